/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-stats.h"

#include <math.h>
#include <string.h>

#include "bs-request.h"

/* ---- Local days --------------------------------------------------------------------------- */

/* Floor division, so that times before 1970 still fall on the right day. */
static gint64
floor_div (gint64 a,
           gint64 b)
{
  gint64 q = a / b;

  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

gint64
bs_stats_local_day (gint64 usec)
{
  return floor_div (usec + BS_STATS_UTC_OFFSET_US, BS_STATS_DAY_US);
}

guint
bs_stats_local_hour (gint64 usec)
{
  gint64 hours = floor_div (usec + BS_STATS_UTC_OFFSET_US, G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC);

  return (guint) (hours - floor_div (hours, 24) * 24);
}

gint64
bs_stats_day_start (gint64 day)
{
  return day * BS_STATS_DAY_US - BS_STATS_UTC_OFFSET_US;
}

char *
bs_stats_day_to_date (gint64 day)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (day * 86400);

  /* Day numbers count local days, so midnight UTC of the same number is that date. */
  return g_date_time_format (utc, "%Y-%m-%d");
}

/* "YYYY-MM-DD" → local day number. */
static gboolean
date_to_day (const char *text,
             gint64     *out_day)
{
  guint64 y, m, d;
  char *end = NULL;
  GDate date;
  GDate epoch;

  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-' ||
      !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[5]) || !g_ascii_isdigit (text[8]))
    return FALSE;

  y = g_ascii_strtoull (text, &end, 10);
  if (end != text + 4)
    return FALSE;
  m = g_ascii_strtoull (text + 5, &end, 10);
  if (end != text + 7)
    return FALSE;
  d = g_ascii_strtoull (text + 8, &end, 10);
  if (end != text + 10)
    return FALSE;
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 ||
      !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return FALSE;

  g_date_clear (&date, 1);
  g_date_clear (&epoch, 1);
  g_date_set_dmy (&date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  g_date_set_dmy (&epoch, 1, G_DATE_JANUARY, 1970);
  *out_day = (gint64) g_date_get_julian (&date) - (gint64) g_date_get_julian (&epoch);
  return TRUE;
}

/* ---- Duration buckets ----------------------------------------------------------------------
 *
 * Fixed buckets, finer where dispatch and response times usually are. The SQL in migration 3
 * (src/core/bc-schema.c) computes the same buckets; tests/test-stats.c holds the two to each
 * other. Changing this table means a new migration that rebuilds the roll-ups. */

static const struct
{
  gint64 below;   /* seconds */
  gint64 width;
} segments[] = {
  { 60, 5 },        /* 0–1 min: 12 buckets */
  { 300, 10 },      /* 1–5 min: 24 */
  { 900, 30 },      /* 5–15 min: 20 */
  { 1800, 60 },     /* 15–30 min: 15 */
  { 3600, 300 },    /* 30–60 min: 6 */
  { 14400, 1800 },  /* 1–4 h: 6 */
  { 86400, 7200 },  /* 4–24 h: 10; then one bucket for a day or more */
};

guint
bs_stats_duration_bucket (gint64 seconds)
{
  gint64 from = 0;
  guint first = 0;

  seconds = MAX (seconds, 0);
  for (guint i = 0; i < G_N_ELEMENTS (segments); i++)
    {
      if (seconds < segments[i].below)
        return first + (guint) ((seconds - from) / segments[i].width);
      first += (guint) ((segments[i].below - from) / segments[i].width);
      from = segments[i].below;
    }
  return BS_STATS_N_BUCKETS - 1;
}

void
bs_stats_bucket_range (guint   bucket,
                       gint64 *lo,
                       gint64 *hi)
{
  gint64 from = 0;
  guint first = 0;

  g_return_if_fail (bucket < BS_STATS_N_BUCKETS);

  for (guint i = 0; i < G_N_ELEMENTS (segments); i++)
    {
      guint n = (guint) ((segments[i].below - from) / segments[i].width);

      if (bucket < first + n)
        {
          *lo = from + (bucket - first) * segments[i].width;
          *hi = *lo + segments[i].width;
          return;
        }
      first += n;
      from = segments[i].below;
    }
  *lo = from;
  *hi = G_MAXINT64;
}

double
bs_stats_histogram_percentile (const guint64 *hist,
                               double         p)
{
  guint64 n = 0;
  guint64 rank;
  guint64 below = 0;

  g_return_val_if_fail (p > 0 && p <= 100, -1);

  for (guint i = 0; i < BS_STATS_N_BUCKETS; i++)
    n += hist[i];
  if (n == 0)
    return -1;

  /* Nearest rank, 1-based; the small epsilon keeps 50 % of 10 at rank 5, not 6. */
  rank = (guint64) ceil (p / 100.0 * (double) n - 1e-9);
  rank = CLAMP (rank, 1, n);

  for (guint i = 0; i < BS_STATS_N_BUCKETS; i++)
    {
      gint64 lo, hi;

      if (below + hist[i] < rank)
        {
          below += hist[i];
          continue;
        }

      bs_stats_bucket_range (i, &lo, &hi);
      if (hi == G_MAXINT64)
        return (double) lo;
      /* The bucket's values spread evenly, the k-th of m at (k - ½) / m of its width. */
      return lo + (hi - lo) * (((double) (rank - below) - 0.5) / (double) hist[i]);
    }

  g_assert_not_reached ();
}

/* ---- Sparse JSON counts ({"index": count}) ------------------------------------------------ */

static gboolean
read_uint (const char **p,
           guint64     *out)
{
  const char *s = *p;
  guint64 value = 0;

  if (!g_ascii_isdigit (*s))
    return FALSE;
  while (g_ascii_isdigit (*s))
    {
      if (value > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      value = value * 10 + (guint64) (*s - '0');
      s++;
    }
  *p = s;
  *out = value;
  return TRUE;
}

/* Adds the counts of @text to @counts[0 … n_counts - 1]. The triggers write what json_set()
 * writes (no spaces); spaces are accepted anyway. */
static gboolean
add_counts (const char *text,
            guint64    *counts,
            guint       n_counts)
{
  const char *p = text;

#define SKIP_SPACE() while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++

  if (p == NULL)
    return FALSE;
  SKIP_SPACE ();
  if (*p++ != '{')
    return FALSE;
  SKIP_SPACE ();
  if (*p == '}')
    return TRUE;

  for (;;)
    {
      guint64 key, value;

      SKIP_SPACE ();
      if (*p++ != '"' || !read_uint (&p, &key) || *p++ != '"')
        return FALSE;
      SKIP_SPACE ();
      if (*p++ != ':')
        return FALSE;
      SKIP_SPACE ();
      if (!read_uint (&p, &value) || key >= n_counts)
        return FALSE;
      counts[key] += value;
      SKIP_SPACE ();
      if (*p == ',')
        {
          p++;
          continue;
        }
      return *p == '}';
    }

#undef SKIP_SPACE
}

static void
append_counts (GString       *out,
               const guint64 *counts,
               guint          n_counts)
{
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  for (guint i = 0; i < n_counts; i++)
    {
      if (counts[i] == 0)
        continue;
      g_string_append_printf (out, "%s\"%u\":%" G_GUINT64_FORMAT, first ? "" : ",", i, counts[i]);
      first = FALSE;
    }
  g_string_append_c (out, '}');
}

/* ---- Parameters --------------------------------------------------------------------------- */

/* The earliest and latest days a query may name: far enough for any real history, near
 * enough that day arithmetic cannot overflow. */
#define MIN_DAY  10957   /* 2000-01-01 */
#define MAX_DAY  47481   /* 2099-12-31 */

static const struct
{
  const char    *name;
  BsStatsPeriod  period;
  guint          days;
} periods[] = {
  { "day", BS_STATS_PERIOD_DAY, 1 },
  { "week", BS_STATS_PERIOD_WEEK, 7 },
  { "month", BS_STATS_PERIOD_MONTH, 30 },
  { "quarter", BS_STATS_PERIOD_QUARTER, 90 },
  { "custom", BS_STATS_PERIOD_CUSTOM, 0 },
};

static const char *
param (GHashTable *params,
       const char *name)
{
  return params != NULL ? g_hash_table_lookup (params, name) : NULL;
}

/* An RFC 3339 time, or a date meaning the start of that local day (for `start`) or its end
 * (for `end`). *out_day is the local day it names. */
static gboolean
parse_time_param (const char  *name,
                  const char  *text,
                  gboolean     is_end,
                  gint64      *out_usec,
                  gint64      *out_day,
                  GError     **error)
{
  gint64 day;
  gint64 usec;

  if (date_to_day (text, &day))
    usec = is_end ? bs_stats_day_start (day + 1) : bs_stats_day_start (day);
  else if (bc_time_parse (text, &usec, NULL))
    day = bs_stats_local_day (usec);
  else
    {
      g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_PARAMETER,
                   "%s: “%s” is neither an RFC 3339 time nor a date (YYYY-MM-DD)", name, text);
      return FALSE;
    }

  if (day < MIN_DAY || day > MAX_DAY)
    {
      g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_VALUE,
                   "%s: %s is outside 2000-01-01 to 2099-12-31", name, text);
      return FALSE;
    }

  *out_usec = usec;
  *out_day = day;
  return TRUE;
}

gboolean
bs_stats_query_parse (GHashTable    *params,
                      gint64         now,
                      BsStatsQuery  *out,
                      GError       **error)
{
  const char *period_name = param (params, "period");
  const char *end_text = param (params, "end");
  const char *start_text = param (params, "start");
  const char *district = param (params, "district");
  const char *type = param (params, "type");
  BsStatsQuery query = { 0, };
  guint days = 0;
  gboolean found = FALSE;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (period_name == NULL)
    period_name = "day";
  for (guint i = 0; i < G_N_ELEMENTS (periods); i++)
    if (strcmp (period_name, periods[i].name) == 0)
      {
        query.period = periods[i].period;
        days = periods[i].days;
        found = TRUE;
      }
  if (!found)
    {
      g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_PARAMETER,
                   "period: must be day, week, month, quarter or custom");
      return FALSE;
    }

  if (end_text != NULL)
    {
      if (!parse_time_param ("end", end_text, TRUE, &query.end, &query.last_day, error))
        return FALSE;
    }
  else
    {
      query.end = now;
      query.last_day = bs_stats_local_day (now);
      if (query.last_day < MIN_DAY || query.last_day > MAX_DAY)
        {
          g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_VALUE,
                       "end: the server's clock is outside 2000-01-01 to 2099-12-31");
          return FALSE;
        }
    }

  if (query.period == BS_STATS_PERIOD_CUSTOM)
    {
      gint64 start;

      if (start_text == NULL)
        {
          g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_PARAMETER,
                       "start: is required with period=custom");
          return FALSE;
        }
      if (!parse_time_param ("start", start_text, FALSE, &start, &query.first_day, error))
        return FALSE;
      if (query.first_day > query.last_day)
        {
          g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_VALUE,
                       "start: %s is after end", start_text);
          return FALSE;
        }
      if (query.last_day - query.first_day + 1 > BS_STATS_MAX_DAYS)
        {
          g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_VALUE,
                       "start: a custom period is at most %d days", BS_STATS_MAX_DAYS);
          return FALSE;
        }
    }
  else
    {
      if (start_text != NULL)
        {
          g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_PARAMETER,
                       "start: is only allowed with period=custom");
          return FALSE;
        }
      query.first_day = query.last_day - days + 1;
    }

  if (district != NULL &&
      (*district == '\0' || !g_utf8_validate (district, -1, NULL) ||
       g_utf8_strlen (district, -1) > 32))
    {
      g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_PARAMETER,
                   "district: must be 1 to 32 characters");
      return FALSE;
    }

  if (type != NULL)
    {
      if (!bc_incident_type_from_string (type, &query.type))
        {
          g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_PARAMETER,
                       "type: “%s” is not an incident type", type);
          return FALSE;
        }
      query.has_type = TRUE;
    }

  query.district = g_strdup (district);
  *out = query;
  return TRUE;
}

void
bs_stats_query_clear (BsStatsQuery *query)
{
  if (query == NULL)
    return;
  g_clear_pointer (&query->district, g_free);
}

/* ---- The summary -------------------------------------------------------------------------- */

typedef struct
{
  gint64      first_day;
  guint       n_days;
  guint64     total;
  guint64     closed;
  guint64     cancelled;
  guint64     by_type[BS_STATS_N_TYPES];
  guint64     by_priority[BS_STATS_N_PRIORITIES];
  guint64     by_hour[24];
  GHashTable *by_district;     /* char* → guint64* */
  guint64    *day_created;
  guint64    *day_closed;
  guint64    *day_cancelled;
  guint64     dispatch[BS_STATS_N_BUCKETS];
  guint64     response[BS_STATS_N_BUCKETS];
} Period;

static void
period_init (Period *period,
             gint64  first_day,
             guint   n_days)
{
  memset (period, 0, sizeof *period);
  period->first_day = first_day;
  period->n_days = n_days;
  period->by_district = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  period->day_created = g_new0 (guint64, n_days);
  period->day_closed = g_new0 (guint64, n_days);
  period->day_cancelled = g_new0 (guint64, n_days);
}

static void
period_clear (Period *period)
{
  g_clear_pointer (&period->by_district, g_hash_table_unref);
  g_clear_pointer (&period->day_created, g_free);
  g_clear_pointer (&period->day_closed, g_free);
  g_clear_pointer (&period->day_cancelled, g_free);
}

static void
bind_filters (sqlite3_stmt       *stmt,
              int                 district_index,
              const BsStatsQuery *query)
{
  if (query->district != NULL)
    sqlite3_bind_text (stmt, district_index, query->district, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, district_index);
  if (query->has_type)
    sqlite3_bind_text (stmt, district_index + 1, bc_incident_type_to_string (query->type), -1,
                       SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, district_index + 1);
}

static gboolean
corrupt_row (GError **error,
             gint64   day,
             const char *column)
{
  g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL,
               "stats_daily: the %s of day %" G_GINT64_FORMAT " cannot be read", column, day);
  return FALSE;
}

/* Adds every roll-up row of [prev->first_day, cur's last day] to the period it falls in. */
static gboolean
read_rollups (BcStore            *store,
              const BsStatsQuery *query,
              Period             *cur,
              Period             *prev,
              GError            **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  stmt = bc_store_prepare (store,
                           "SELECT day, district, type, created, p1, p2, p3, p4, closed, "
                           "  cancelled, hours, dispatch, response "
                           "FROM stats_daily "
                           "WHERE day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR district = ?3) "
                           "  AND (?4 IS NULL OR type = ?4)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, prev->first_day);
  sqlite3_bind_int64 (stmt, 2, cur->first_day + cur->n_days - 1);
  bind_filters (stmt, 3, query);

  while ((rc = bc_store_step (store, stmt, error)) == SQLITE_ROW)
    {
      gint64 day = sqlite3_column_int64 (stmt, 0);
      const char *district = (const char *) sqlite3_column_text (stmt, 1);
      const char *type_code = (const char *) sqlite3_column_text (stmt, 2);
      gint64 created = sqlite3_column_int64 (stmt, 3);
      gint64 closed = sqlite3_column_int64 (stmt, 8);
      gint64 cancelled = sqlite3_column_int64 (stmt, 9);
      Period *period = day >= cur->first_day ? cur : prev;
      guint index = (guint) (day - period->first_day);
      BcIncidentType type;
      guint64 *district_count;

      if (created < 0 || closed < 0 || cancelled < 0 || district == NULL ||
          type_code == NULL || !bc_incident_type_from_string (type_code, &type))
        return corrupt_row (error, day, "key or counts");

      period->closed += (guint64) closed;
      period->cancelled += (guint64) cancelled;
      period->day_closed[index] += (guint64) closed;
      period->day_cancelled[index] += (guint64) cancelled;
      if (created == 0)
        continue;

      period->total += (guint64) created;
      period->day_created[index] += (guint64) created;
      period->by_type[type] += (guint64) created;
      for (guint p = 0; p < BS_STATS_N_PRIORITIES; p++)
        period->by_priority[p] += (guint64) sqlite3_column_int64 (stmt, 4 + (int) p);

      district_count = g_hash_table_lookup (period->by_district, district);
      if (district_count == NULL)
        {
          district_count = g_new0 (guint64, 1);
          g_hash_table_insert (period->by_district, g_strdup (district), district_count);
        }
      *district_count += (guint64) created;

      if (!add_counts ((const char *) sqlite3_column_text (stmt, 10), period->by_hour, 24))
        return corrupt_row (error, day, "hours");
      if (!add_counts ((const char *) sqlite3_column_text (stmt, 11), period->dispatch,
                       BS_STATS_N_BUCKETS))
        return corrupt_row (error, day, "dispatch histogram");
      if (!add_counts ((const char *) sqlite3_column_text (stmt, 12), period->response,
                       BS_STATS_N_BUCKETS))
        return corrupt_row (error, day, "response histogram");
    }

  return rc == SQLITE_DONE;
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       usec)
{
  g_autofree char *text = bc_time_format (usec);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

static void
add_date (JsonBuilder *builder,
          const char  *name,
          gint64       day)
{
  g_autofree char *text = bs_stats_day_to_date (day);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         guint64      value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, (gint64) value);
}

static void
add_durations (JsonBuilder   *builder,
               const char    *name,
               const guint64 *hist)
{
  guint64 n = 0;

  for (guint i = 0; i < BS_STATS_N_BUCKETS; i++)
    n += hist[i];

  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  add_int (builder, "count", n);
  for (guint i = 0; i < 2; i++)
    {
      double p = i == 0 ? 50 : 90;

      json_builder_set_member_name (builder, i == 0 ? "p50" : "p90");
      if (n == 0)
        json_builder_add_null_value (builder);
      else
        /* Tenths of a second: finer would only show the interpolation. */
        json_builder_add_double_value (builder,
                                       round (bs_stats_histogram_percentile (hist, p) * 10) / 10);
    }
  json_builder_end_object (builder);
}

typedef struct
{
  const char *name;
  guint64     count;
} DistrictCount;

static int
compare_district_counts (gconstpointer a,
                         gconstpointer b)
{
  const DistrictCount *x = a;
  const DistrictCount *y = b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp (x->name, y->name);
}

static void
add_period (JsonBuilder  *builder,
            const char   *name,
            const Period *period)
{
  g_autoptr(GArray) districts = g_array_new (FALSE, FALSE, sizeof (DistrictCount));
  GHashTableIter iter;
  gpointer key, value;

  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);

  add_date (builder, "first_day", period->first_day);
  add_date (builder, "last_day", period->first_day + period->n_days - 1);
  add_time (builder, "start", bs_stats_day_start (period->first_day));
  add_time (builder, "end", bs_stats_day_start (period->first_day + period->n_days));
  add_int (builder, "days", period->n_days);
  add_int (builder, "total", period->total);
  add_int (builder, "closed", period->closed);
  add_int (builder, "cancelled", period->cancelled);

  json_builder_set_member_name (builder, "by_type");
  json_builder_begin_object (builder);
  for (guint i = 0; i < BS_STATS_N_TYPES; i++)
    add_int (builder, bc_incident_type_to_string ((BcIncidentType) i), period->by_type[i]);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "by_priority");
  json_builder_begin_object (builder);
  for (guint i = 0; i < BS_STATS_N_PRIORITIES; i++)
    {
      char key_text[4];

      g_snprintf (key_text, sizeof key_text, "%u", i + 1);
      add_int (builder, key_text, period->by_priority[i]);
    }
  json_builder_end_object (builder);

  /* Largest first, which is how the wall lists them. */
  g_hash_table_iter_init (&iter, period->by_district);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      DistrictCount entry = { key, *(guint64 *) value };
      g_array_append_val (districts, entry);
    }
  g_array_sort (districts, compare_district_counts);
  json_builder_set_member_name (builder, "by_district");
  json_builder_begin_object (builder);
  for (guint i = 0; i < districts->len; i++)
    {
      DistrictCount *entry = &g_array_index (districts, DistrictCount, i);
      add_int (builder, entry->name, entry->count);
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "by_hour");
  json_builder_begin_array (builder);
  for (guint i = 0; i < 24; i++)
    json_builder_add_int_value (builder, (gint64) period->by_hour[i]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "by_day");
  json_builder_begin_array (builder);
  for (guint i = 0; i < period->n_days; i++)
    {
      json_builder_begin_object (builder);
      add_date (builder, "date", period->first_day + i);
      add_int (builder, "total", period->day_created[i]);
      add_int (builder, "closed", period->day_closed[i]);
      add_int (builder, "cancelled", period->day_cancelled[i]);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  add_durations (builder, "dispatch_time_s", period->dispatch);
  add_durations (builder, "response_time_s", period->response);

  json_builder_end_object (builder);
}

/* Incidents created in [from, to), exactly (the index on created_at keeps this to one day's
 * rows). */
static gboolean
count_created (BcStore            *store,
               const BsStatsQuery *query,
               gint64              from,
               gint64              to,
               guint64            *out,
               GError            **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  stmt = bc_store_prepare (store,
                           "SELECT count (*) FROM incidents "
                           "WHERE created_at >= ?1 AND created_at < ?2 "
                           "  AND (?3 IS NULL OR district = ?3) AND (?4 IS NULL OR type = ?4)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, to);
  bind_filters (stmt, 3, query);
  if (bc_store_step (store, stmt, error) != SQLITE_ROW)
    return FALSE;
  *out = (guint64) sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
count_created_on_day (BcStore            *store,
                      const BsStatsQuery *query,
                      gint64              day,
                      guint64            *out,
                      GError            **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  stmt = bc_store_prepare (store,
                           "SELECT coalesce (sum (created), 0) FROM stats_daily "
                           "WHERE day = ?1 AND (?2 IS NULL OR district = ?2) "
                           "  AND (?3 IS NULL OR type = ?3)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, day);
  bind_filters (stmt, 2, query);
  if (bc_store_step (store, stmt, error) != SQLITE_ROW)
    return FALSE;
  *out = (guint64) sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* "today" is the day of `end` up to `end`; a week earlier is compared over the same hours. */
static gboolean
add_today (JsonBuilder        *builder,
           BcStore            *store,
           const BsStatsQuery *query,
           GError            **error)
{
  gint64 day = query->last_day;
  gint64 start = bs_stats_day_start (day);
  gint64 until = CLAMP (query->end, start, bs_stats_day_start (day + 1));
  gint64 week = 7 * BS_STATS_DAY_US;
  guint64 today, last_week, last_week_day;

  if (!count_created (store, query, start, until, &today, error) ||
      !count_created (store, query, start - week, until - week, &last_week, error) ||
      !count_created_on_day (store, query, day - 7, &last_week_day, error))
    return FALSE;

  json_builder_set_member_name (builder, "today");
  json_builder_begin_object (builder);
  add_date (builder, "date", day);
  add_time (builder, "until", until);
  add_int (builder, "count", today);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "same_weekday_last_week");
  json_builder_begin_object (builder);
  add_date (builder, "date", day - 7);
  add_time (builder, "until", until - week);
  add_int (builder, "count", last_week);
  add_int (builder, "full_day", last_week_day);
  json_builder_end_object (builder);
  return TRUE;
}

static gboolean
add_live (JsonBuilder        *builder,
          BcStore            *store,
          const BsStatsQuery *query,
          GError            **error)
{
  g_autoptr(BcStmt) open = NULL;
  g_autoptr(BcStmt) units = NULL;
  guint64 by_priority[BS_STATS_N_PRIORITIES] = { 0, };
  guint64 by_status[BC_UNIT_STATUS_OFF_DUTY + 1] = { 0, };
  guint64 open_total = 0;
  int rc;

  open = bc_store_prepare (store,
                           "SELECT priority, count (*) FROM incidents "
                           "WHERE status IN ('new', 'dispatched', 'en_route', 'on_scene') "
                           "  AND (?1 IS NULL OR district = ?1) AND (?2 IS NULL OR type = ?2) "
                           "GROUP BY priority",
                           error);
  if (open == NULL)
    return FALSE;
  bind_filters (open, 1, query);
  while ((rc = bc_store_step (store, open, error)) == SQLITE_ROW)
    {
      int priority = sqlite3_column_int (open, 0);
      guint64 n = (guint64) sqlite3_column_int64 (open, 1);

      if (priority >= BC_INCIDENT_PRIORITY_HIGHEST && priority <= BC_INCIDENT_PRIORITY_LOWEST)
        by_priority[priority - 1] = n;
      open_total += n;
    }
  if (rc != SQLITE_DONE)
    return FALSE;

  units = bc_store_prepare (store, "SELECT status, count (*) FROM units GROUP BY status", error);
  if (units == NULL)
    return FALSE;
  while ((rc = bc_store_step (store, units, error)) == SQLITE_ROW)
    {
      BcUnitStatus status;

      if (bc_unit_status_from_string ((const char *) sqlite3_column_text (units, 0), &status))
        by_status[status] = (guint64) sqlite3_column_int64 (units, 1);
    }
  if (rc != SQLITE_DONE)
    return FALSE;

  json_builder_set_member_name (builder, "live");
  json_builder_begin_object (builder);
  add_int (builder, "open_total", open_total);
  json_builder_set_member_name (builder, "open_by_priority");
  json_builder_begin_object (builder);
  for (guint i = 0; i < BS_STATS_N_PRIORITIES; i++)
    {
      char key_text[4];

      g_snprintf (key_text, sizeof key_text, "%u", i + 1);
      add_int (builder, key_text, by_priority[i]);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "units_by_status");
  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (by_status); i++)
    add_int (builder, bc_unit_status_to_string ((BcUnitStatus) i), by_status[i]);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return TRUE;
}

static const char *
period_name (BsStatsPeriod period)
{
  for (guint i = 0; i < G_N_ELEMENTS (periods); i++)
    if (periods[i].period == period)
      return periods[i].name;
  g_return_val_if_reached ("custom");
}

static JsonNode *
build_summary (BcStore            *store,
               const BsStatsQuery *query,
               gint64              now,
               GError            **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint n_days = (guint) (query->last_day - query->first_day + 1);
  Period cur, prev;
  gboolean ok;

  period_init (&cur, query->first_day, n_days);
  period_init (&prev, query->first_day - n_days, n_days);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "period");
  json_builder_add_string_value (builder, period_name (query->period));
  json_builder_set_member_name (builder, "timezone");
  json_builder_add_string_value (builder, "+08:00");
  add_time (builder, "generated_at", now);

  json_builder_set_member_name (builder, "filter");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "district");
  if (query->district != NULL)
    json_builder_add_string_value (builder, query->district);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "type");
  if (query->has_type)
    json_builder_add_string_value (builder, bc_incident_type_to_string (query->type));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  ok = read_rollups (store, query, &cur, &prev, error);
  if (ok)
    {
      add_period (builder, "current", &cur);
      add_period (builder, "previous", &prev);
      ok = add_today (builder, store, query, error) && add_live (builder, store, query, error);
    }
  period_clear (&cur);
  period_clear (&prev);
  if (!ok)
    return NULL;

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

JsonNode *
bs_stats_summary (BcStore             *store,
                  const BsStatsQuery  *query,
                  gint64               now,
                  GError             **error)
{
  sqlite3 *db;
  gboolean own_transaction;
  JsonNode *node;

  g_return_val_if_fail (BC_IS_STORE (store), NULL);
  g_return_val_if_fail (query != NULL, NULL);
  g_return_val_if_fail (query->first_day <= query->last_day, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* One read transaction, so that the periods, today and the live counts agree with each
   * other even while another connection writes. */
  db = bc_store_get_db (store);
  own_transaction = sqlite3_get_autocommit (db);
  if (own_transaction && !bc_store_exec (store, "BEGIN DEFERRED", error))
    return NULL;

  node = build_summary (store, query, now, error);

  if (own_transaction && !sqlite3_get_autocommit (db))
    {
      g_autoptr(GError) end_error = NULL;

      /* Nothing was written: ending it cannot lose anything. */
      if (!bc_store_exec (store, "COMMIT", &end_error))
        g_warning ("Cannot end the statistics read transaction: %s", end_error->message);
    }
  return node;
}

/* ---- Roll-ups written in bulk ------------------------------------------------------------- */

typedef struct
{
  gint64      day;
  const char *district;   /* interned */
  const char *type;       /* static code */
} RollupKey;

typedef struct
{
  RollupKey key;
  guint64   created;
  guint64   by_priority[BS_STATS_N_PRIORITIES];
  guint64   closed;
  guint64   cancelled;
  guint64   hours[24];
  guint64   dispatch[BS_STATS_N_BUCKETS];
  guint64   response[BS_STATS_N_BUCKETS];
} RollupRow;

struct _BsStatsRollup
{
  GHashTable *rows;   /* RollupKey* (in the row) → RollupRow* */
};

static guint
rollup_key_hash (gconstpointer data)
{
  const RollupKey *key = data;

  return (guint) (key->day * 131) ^ g_direct_hash (key->district) ^
         (g_direct_hash (key->type) * 17);
}

static gboolean
rollup_key_equal (gconstpointer a,
                  gconstpointer b)
{
  const RollupKey *x = a;
  const RollupKey *y = b;

  return x->day == y->day && x->district == y->district && x->type == y->type;
}

BsStatsRollup *
bs_stats_rollup_new (void)
{
  BsStatsRollup *rollup = g_new0 (BsStatsRollup, 1);

  rollup->rows = g_hash_table_new_full (rollup_key_hash, rollup_key_equal, NULL, g_free);
  return rollup;
}

void
bs_stats_rollup_free (BsStatsRollup *rollup)
{
  if (rollup == NULL)
    return;
  g_clear_pointer (&rollup->rows, g_hash_table_unref);
  g_free (rollup);
}

static RollupRow *
rollup_row (BsStatsRollup *rollup,
            gint64         day,
            const char    *district,
            const char    *type)
{
  RollupKey key = { day, district, type };
  RollupRow *row = g_hash_table_lookup (rollup->rows, &key);

  if (row == NULL)
    {
      row = g_new0 (RollupRow, 1);
      row->key = key;
      g_hash_table_insert (rollup->rows, &row->key, row);
    }
  return row;
}

void
bs_stats_rollup_add (BsStatsRollup  *rollup,
                     gint64          created_at,
                     gint64          dispatched_at,
                     gint64          on_scene_at,
                     gint64          closed_at,
                     gint64          cancelled_at,
                     const char     *district,
                     BcIncidentType  type,
                     int             priority)
{
  const char *district_key = g_intern_string (district != NULL ? district : "");
  const char *type_code = bc_incident_type_to_string (type);
  RollupRow *row;

  g_return_if_fail (rollup != NULL);
  g_return_if_fail (priority >= BC_INCIDENT_PRIORITY_HIGHEST &&
                    priority <= BC_INCIDENT_PRIORITY_LOWEST);

  /* The same arithmetic as the triggers: truncated seconds, local days and hours. */
  row = rollup_row (rollup, bs_stats_local_day (created_at), district_key, type_code);
  row->created++;
  row->by_priority[priority - 1]++;
  row->hours[bs_stats_local_hour (created_at)]++;
  if (dispatched_at != 0)
    row->dispatch[bs_stats_duration_bucket ((dispatched_at - created_at) / G_USEC_PER_SEC)]++;
  if (on_scene_at != 0)
    row->response[bs_stats_duration_bucket ((on_scene_at - created_at) / G_USEC_PER_SEC)]++;

  if (closed_at != 0)
    rollup_row (rollup, bs_stats_local_day (closed_at), district_key, type_code)->closed++;
  if (cancelled_at != 0)
    rollup_row (rollup, bs_stats_local_day (cancelled_at), district_key,
                type_code)->cancelled++;
}

static gboolean
write_row (BcStore    *store,
           RollupRow  *row,
           GString    *text,
           GError    **error)
{
  g_autoptr(BcStmt) read = NULL;
  g_autoptr(BcStmt) write = NULL;
  gsize hours_at, dispatch_at, response_at;
  int rc;

  read = bc_store_prepare (store,
                           "SELECT created, p1, p2, p3, p4, closed, cancelled, hours, dispatch, "
                           "  response "
                           "FROM stats_daily WHERE day = ?1 AND district = ?2 AND type = ?3",
                           error);
  if (read == NULL)
    return FALSE;
  sqlite3_bind_int64 (read, 1, row->key.day);
  sqlite3_bind_text (read, 2, row->key.district, -1, SQLITE_STATIC);
  sqlite3_bind_text (read, 3, row->key.type, -1, SQLITE_STATIC);
  rc = bc_store_step (store, read, error);
  if (rc == SQLITE_ROW)
    {
      row->created += (guint64) sqlite3_column_int64 (read, 0);
      for (guint p = 0; p < BS_STATS_N_PRIORITIES; p++)
        row->by_priority[p] += (guint64) sqlite3_column_int64 (read, 1 + (int) p);
      row->closed += (guint64) sqlite3_column_int64 (read, 5);
      row->cancelled += (guint64) sqlite3_column_int64 (read, 6);
      if (!add_counts ((const char *) sqlite3_column_text (read, 7), row->hours, 24) ||
          !add_counts ((const char *) sqlite3_column_text (read, 8), row->dispatch,
                       BS_STATS_N_BUCKETS) ||
          !add_counts ((const char *) sqlite3_column_text (read, 9), row->response,
                       BS_STATS_N_BUCKETS))
        return corrupt_row (error, row->key.day, "row");
    }
  else if (rc != SQLITE_DONE)
    return FALSE;
  g_clear_pointer (&read, bc_stmt_release);

  /* The three objects in one buffer, NUL-separated. */
  g_string_truncate (text, 0);
  hours_at = text->len;
  append_counts (text, row->hours, 24);
  g_string_append_c (text, '\0');
  dispatch_at = text->len;
  append_counts (text, row->dispatch, BS_STATS_N_BUCKETS);
  g_string_append_c (text, '\0');
  response_at = text->len;
  append_counts (text, row->response, BS_STATS_N_BUCKETS);

  write = bc_store_prepare (store,
                            "INSERT OR REPLACE INTO stats_daily (day, district, type, created, "
                            "  p1, p2, p3, p4, closed, cancelled, hours, dispatch, response) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                            error);
  if (write == NULL)
    return FALSE;
  sqlite3_bind_int64 (write, 1, row->key.day);
  sqlite3_bind_text (write, 2, row->key.district, -1, SQLITE_STATIC);
  sqlite3_bind_text (write, 3, row->key.type, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (write, 4, (gint64) row->created);
  for (guint p = 0; p < BS_STATS_N_PRIORITIES; p++)
    sqlite3_bind_int64 (write, 5 + (int) p, (gint64) row->by_priority[p]);
  sqlite3_bind_int64 (write, 9, (gint64) row->closed);
  sqlite3_bind_int64 (write, 10, (gint64) row->cancelled);
  sqlite3_bind_text (write, 11, text->str + hours_at, -1, SQLITE_STATIC);
  sqlite3_bind_text (write, 12, text->str + dispatch_at, -1, SQLITE_STATIC);
  sqlite3_bind_text (write, 13, text->str + response_at, -1, SQLITE_STATIC);
  return bc_store_step_done (store, write, error);
}

gboolean
bs_stats_rollup_write (BsStatsRollup  *rollup,
                       BcStore        *store,
                       GError        **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (rollup != NULL, FALSE);
  g_return_val_if_fail (BC_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_hash_table_iter_init (&iter, rollup->rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!write_row (store, value, text, error))
      return FALSE;

  g_hash_table_remove_all (rollup->rows);
  return TRUE;
}
