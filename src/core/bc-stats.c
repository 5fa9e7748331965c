/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon"

#include "config.h"

#include "bc-stats.h"

#include <string.h>

#include "bc-error.h"
#include "bc-json-private.h"

/* Counts are never negative and a city's year stays far below this; a larger number is a
 * corrupt answer, not a busy city. */
#define COUNT_MAX G_GINT64_CONSTANT (1000000000000)
#define SECONDS_MAX 1e9

G_DEFINE_BOXED_TYPE (BcStatsSummary, bc_stats_summary, bc_stats_summary_ref,
                     bc_stats_summary_unref)

static const char * const period_codes[] = { "day", "week", "month", "quarter", "custom" };
static const guint period_days[] = { 1, 7, 30, 90, 0 };

const char *
bc_stats_period_to_string (BcStatsPeriod value)
{
  g_return_val_if_fail ((guint) value < G_N_ELEMENTS (period_codes), NULL);

  return period_codes[value];
}

gboolean
bc_stats_period_from_string (const char    *code,
                             BcStatsPeriod *out)
{
  for (guint i = 0; code != NULL && i < G_N_ELEMENTS (period_codes); i++)
    if (g_str_equal (code, period_codes[i]))
      {
        *out = (BcStatsPeriod) i;
        return TRUE;
      }

  return FALSE;
}

guint
bc_stats_period_days (BcStatsPeriod value)
{
  g_return_val_if_fail ((guint) value < G_N_ELEMENTS (period_days), 0);

  return period_days[value];
}

/* A reference count next to the public struct keeps the struct's layout simple to read. */
typedef struct
{
  BcStatsSummary summary;
  gatomicrefcount ref_count;
} SummaryBox;

static BcStatsSummary *
summary_new (void)
{
  SummaryBox *box = g_new0 (SummaryBox, 1);

  g_atomic_ref_count_init (&box->ref_count);
  return &box->summary;
}

static void
period_figures_clear (BcStatsPeriodFigures *figures)
{
  if (figures->by_district != NULL)
    {
      for (guint i = 0; i < figures->by_district->len; i++)
        g_free (g_array_index (figures->by_district, BcStatsDistrictCount, i).district);
      g_clear_pointer (&figures->by_district, g_array_unref);
    }
  g_clear_pointer (&figures->by_day, g_array_unref);
}

BcStatsSummary *
bc_stats_summary_ref (BcStatsSummary *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&((SummaryBox *) self)->ref_count);
  return self;
}

void
bc_stats_summary_unref (BcStatsSummary *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&((SummaryBox *) self)->ref_count))
    return;

  g_free (self->district);
  g_free (self->type);
  period_figures_clear (&self->current);
  period_figures_clear (&self->previous);
  g_free (self);
}

/* ---- Decoding ---------------------------------------------------------------------------- */

static gboolean
get_date (JsonObject        *object,
          const BcJsonPath  *path,
          const char        *member,
          char               out[11],
          GError           **error)
{
  const char *text = NULL;
  guint64 year, month, day;

  if (!_bc_json_get_string (object, path, member, BC_JSON_REQUIRED, 10, 10, &text, error))
    return FALSE;

  if (text[4] != '-' || text[7] != '-' ||
      !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[5]) || !g_ascii_isdigit (text[8]))
    goto invalid;

  {
    char y[5] = { text[0], text[1], text[2], text[3], 0 };
    char m[3] = { text[5], text[6], 0 };
    char d[3] = { text[8], text[9], 0 };

    if (!g_ascii_string_to_unsigned (y, 10, 1, 9999, &year, NULL) ||
        !g_ascii_string_to_unsigned (m, 10, 1, 12, &month, NULL) ||
        !g_ascii_string_to_unsigned (d, 10, 1, 31, &day, NULL) ||
        !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
      goto invalid;
  }

  memcpy (out, text, 11);
  return TRUE;

invalid:
  _bc_json_set_error (error, BC_MODEL_ERROR_INVALID_FORMAT, BC_JSON_PATH_MEMBER (path, member),
                      "expected a date YYYY-MM-DD");
  return FALSE;
}

static gboolean
get_count (JsonObject        *object,
           const BcJsonPath  *path,
           const char        *member,
           gint64            *out,
           GError           **error)
{
  return _bc_json_get_int64 (object, path, member, BC_JSON_REQUIRED, 0, COUNT_MAX, out, error);
}

/* An object with exactly the members @codes[0..n), each a count. */
static gboolean
get_count_map (JsonObject          *object,
               const BcJsonPath    *path,
               const char          *member,
               const char * const  *codes,
               guint                n,
               gint64              *out,
               GError             **error)
{
  const BcJsonPath *map_path = BC_JSON_PATH_MEMBER (path, member);
  JsonObject *map = NULL;

  if (!_bc_json_get_object (object, path, member, BC_JSON_REQUIRED, &map, error))
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      out[i] = 0;
      /* The server sends every code, zeros included; a missing one would silently read as
       * "none", so it is an error. */
      if (!get_count (map, map_path, codes[i], &out[i], error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
get_duration (JsonObject        *object,
              const BcJsonPath  *path,
              const char        *member,
              BcStatsDuration   *out,
              GError           **error)
{
  const BcJsonPath *duration_path = BC_JSON_PATH_MEMBER (path, member);
  JsonObject *duration = NULL;

  out->p50 = out->p90 = -1;
  if (!_bc_json_get_object (object, path, member, BC_JSON_REQUIRED, &duration, error) ||
      !get_count (duration, duration_path, "count", &out->count, error) ||
      !_bc_json_get_double (duration, duration_path, "p50", BC_JSON_NULLABLE, 0, SECONDS_MAX,
                            &out->p50, error) ||
      !_bc_json_get_double (duration, duration_path, "p90", BC_JSON_NULLABLE, 0, SECONDS_MAX,
                            &out->p90, error))
    return FALSE;

  if (out->count > 0 && (out->p50 < 0 || out->p90 < 0))
    {
      _bc_json_set_error (error, BC_MODEL_ERROR_MISSING_FIELD,
                          BC_JSON_PATH_MEMBER (duration_path, "p50"),
                          "percentiles are required when count is positive");
      return FALSE;
    }

  return TRUE;
}

static int
compare_district_counts (gconstpointer a,
                         gconstpointer b)
{
  const BcStatsDistrictCount *x = a, *y = b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp (x->district, y->district);
}

static gboolean
get_period (JsonObject            *object,
            const char            *member,
            BcStatsPeriodFigures  *out,
            GError               **error)
{
  static const char * const priority_codes[] = { "1", "2", "3", "4" };
  const char *type_codes[BC_STATS_N_TYPES];
  const BcJsonPath *path = BC_JSON_PATH_MEMBER (NULL, member);
  const BcJsonPath *hours_path = BC_JSON_PATH_MEMBER (path, "by_hour");
  const BcJsonPath *days_path = BC_JSON_PATH_MEMBER (path, "by_day");
  const BcJsonPath *districts_path = BC_JSON_PATH_MEMBER (path, "by_district");
  JsonObject *figures = NULL, *districts = NULL;
  JsonArray *hours = NULL, *days = NULL;
  gint64 n_days = 0;
  g_autoptr(GList) names = NULL;

  if (!_bc_json_get_object (object, NULL, member, BC_JSON_REQUIRED, &figures, error) ||
      !get_date (figures, path, "first_day", out->first_day, error) ||
      !get_date (figures, path, "last_day", out->last_day, error) ||
      !_bc_json_get_time (figures, path, "start", BC_JSON_REQUIRED, &out->start, error) ||
      !_bc_json_get_time (figures, path, "end", BC_JSON_REQUIRED, &out->end, error) ||
      !_bc_json_get_int64 (figures, path, "days", BC_JSON_REQUIRED, 1, BC_STATS_MAX_DAYS,
                           &n_days, error) ||
      !get_count (figures, path, "total", &out->total, error) ||
      !get_count (figures, path, "closed", &out->closed, error) ||
      !get_count (figures, path, "cancelled", &out->cancelled, error))
    return FALSE;
  out->days = (guint) n_days;

  if (out->end <= out->start || strcmp (out->first_day, out->last_day) > 0)
    {
      _bc_json_set_error (error, BC_MODEL_ERROR_OUT_OF_RANGE, BC_JSON_PATH_MEMBER (path, "end"),
                          "the period ends before it starts");
      return FALSE;
    }

  for (guint i = 0; i < BC_STATS_N_TYPES; i++)
    type_codes[i] = bc_incident_type_to_string ((BcIncidentType) i);
  if (!get_count_map (figures, path, "by_type", type_codes, BC_STATS_N_TYPES, out->by_type,
                      error) ||
      !get_count_map (figures, path, "by_priority", priority_codes, BC_STATS_N_PRIORITIES,
                      out->by_priority, error))
    return FALSE;

  if (!_bc_json_get_array (figures, path, "by_hour", BC_JSON_REQUIRED, 24, 24, &hours, error))
    return FALSE;
  for (guint i = 0; i < 24; i++)
    if (!_bc_json_node_get_int64 (json_array_get_element (hours, i),
                                  BC_JSON_PATH_INDEX (hours_path, i), 0, COUNT_MAX,
                                  &out->by_hour[i], error))
      return FALSE;

  if (!_bc_json_get_object (figures, path, "by_district", BC_JSON_REQUIRED, &districts, error))
    return FALSE;
  out->by_district = g_array_new (FALSE, TRUE, sizeof (BcStatsDistrictCount));
  names = json_object_get_members (districts);
  for (GList *l = names; l != NULL; l = l->next)
    {
      BcStatsDistrictCount entry = { NULL, 0 };

      if (!get_count (districts, districts_path, l->data, &entry.count, error))
        return FALSE;
      entry.district = g_strdup (l->data);
      g_array_append_val (out->by_district, entry);
    }
  g_array_sort (out->by_district, compare_district_counts);

  /* One entry per day of the period, so that a chart's x axis is the period itself. */
  if (!_bc_json_get_array (figures, path, "by_day", BC_JSON_REQUIRED, out->days, out->days,
                           &days, error))
    return FALSE;
  out->by_day = g_array_sized_new (FALSE, TRUE, sizeof (BcStatsDay), out->days);
  for (guint i = 0; i < out->days; i++)
    {
      const BcJsonPath *day_path = BC_JSON_PATH_INDEX (days_path, i);
      JsonObject *day_object;
      BcStatsDay day = { { 0 }, 0, 0, 0 };

      if (!(day_object = _bc_json_node_get_object (json_array_get_element (days, i), day_path,
                                                   error)) ||
          !get_date (day_object, day_path, "date", day.date, error) ||
          !get_count (day_object, day_path, "total", &day.total, error) ||
          !get_count (day_object, day_path, "closed", &day.closed, error) ||
          !get_count (day_object, day_path, "cancelled", &day.cancelled, error))
        return FALSE;

      if (i > 0 && strcmp (day.date, g_array_index (out->by_day, BcStatsDay, i - 1).date) <= 0)
        {
          _bc_json_set_error (error, BC_MODEL_ERROR_OUT_OF_RANGE,
                              BC_JSON_PATH_MEMBER (day_path, "date"),
                              "days must be in order, oldest first");
          return FALSE;
        }
      g_array_append_val (out->by_day, day);
    }

  return get_duration (figures, path, "dispatch_time_s", &out->dispatch_time, error) &&
         get_duration (figures, path, "response_time_s", &out->response_time, error);
}

/**
 * bc_stats_summary_from_json:
 * @node: the answer of `GET /api/v1/stats/summary`
 * @error: a #GError in %BC_MODEL_ERROR
 *
 * Decodes and checks a statistics summary (docs/stats.md): every count present and not
 * negative, every type and priority listed, 24 hours, one `by_day` entry per day in order.
 *
 * Returns: (transfer full): the summary, or %NULL with @error set
 */
BcStatsSummary *
bc_stats_summary_from_json (JsonNode  *node,
                            GError   **error)
{
  static const char * const priority_codes[] = { "1", "2", "3", "4" };
  g_autoptr(BcStatsSummary) self = NULL;
  const char *status_codes[BC_STATS_N_STATUSES];
  const BcJsonPath *filter_path = BC_JSON_PATH_MEMBER (NULL, "filter");
  const BcJsonPath *today_path = BC_JSON_PATH_MEMBER (NULL, "today");
  const BcJsonPath *week_path = BC_JSON_PATH_MEMBER (NULL, "same_weekday_last_week");
  const BcJsonPath *live_path = BC_JSON_PATH_MEMBER (NULL, "live");
  JsonObject *root, *filter = NULL, *today = NULL, *week = NULL, *live = NULL;
  const char *period = NULL, *district = NULL, *type = NULL;
  gint64 ignored_until = 0;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(root = _bc_json_node_get_object (node, NULL, error)))
    return NULL;

  self = summary_new ();

  if (!_bc_json_get_string (root, NULL, "period", BC_JSON_REQUIRED, 1, 16, &period, error))
    return NULL;
  if (!bc_stats_period_from_string (period, &self->period))
    {
      _bc_json_set_error (error, BC_MODEL_ERROR_UNKNOWN_VALUE,
                          BC_JSON_PATH_MEMBER (NULL, "period"), "unknown period");
      return NULL;
    }

  if (!_bc_json_get_time (root, NULL, "generated_at", BC_JSON_REQUIRED, &self->generated_at,
                          error) ||
      !_bc_json_get_object (root, NULL, "filter", BC_JSON_REQUIRED, &filter, error) ||
      !_bc_json_get_string (filter, filter_path, "district", BC_JSON_NULLABLE, 0, 256,
                            &district, error) ||
      !_bc_json_get_string (filter, filter_path, "type", BC_JSON_NULLABLE, 1, 32, &type, error))
    return NULL;
  self->district = g_strdup (district);
  self->type = g_strdup (type);

  if (!get_period (root, "current", &self->current, error) ||
      !get_period (root, "previous", &self->previous, error))
    return NULL;

  if (!_bc_json_get_object (root, NULL, "today", BC_JSON_REQUIRED, &today, error) ||
      !get_date (today, today_path, "date", self->today_date, error) ||
      !_bc_json_get_time (today, today_path, "until", BC_JSON_REQUIRED, &self->today_until,
                          error) ||
      !get_count (today, today_path, "count", &self->today_count, error) ||
      !_bc_json_get_object (root, NULL, "same_weekday_last_week", BC_JSON_REQUIRED, &week,
                            error) ||
      !get_date (week, week_path, "date", self->last_week_date, error) ||
      !_bc_json_get_time (week, week_path, "until", BC_JSON_REQUIRED, &ignored_until, error) ||
      !get_count (week, week_path, "count", &self->last_week_count, error) ||
      !get_count (week, week_path, "full_day", &self->last_week_full_day, error))
    return NULL;

  for (guint i = 0; i < BC_STATS_N_STATUSES; i++)
    status_codes[i] = bc_unit_status_to_string ((BcUnitStatus) i);
  if (!_bc_json_get_object (root, NULL, "live", BC_JSON_REQUIRED, &live, error) ||
      !get_count (live, live_path, "open_total", &self->open_total, error) ||
      !get_count_map (live, live_path, "open_by_priority", priority_codes,
                      BC_STATS_N_PRIORITIES, self->open_by_priority, error) ||
      !get_count_map (live, live_path, "units_by_status", status_codes, BC_STATS_N_STATUSES,
                      self->units_by_status, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* ---- Queries ----------------------------------------------------------------------------- */

static void
append_parameter (GString    *string,
                  const char *name,
                  const char *value)
{
  if (value == NULL)
    return;

  if (string->len > 0)
    g_string_append_c (string, '&');
  g_string_append (string, name);
  g_string_append_c (string, '=');
  g_string_append_uri_escaped (string, value, NULL, FALSE);
}

char *
bc_stats_query_to_string (const BcStatsQuery *query)
{
  GString *string;

  g_return_val_if_fail (query != NULL, NULL);

  string = g_string_new (NULL);
  append_parameter (string, "period", bc_stats_period_to_string (query->period));
  if (query->period == BC_STATS_PERIOD_CUSTOM)
    append_parameter (string, "start", query->start);
  append_parameter (string, "end", query->end);
  append_parameter (string, "district", query->district);
  append_parameter (string, "type", query->type);

  return g_string_free (string, FALSE);
}
