/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-history.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "bc-audit.h"
#include "bc-geo.h"
#include "bc-model.h"
#include "bc-schema.h"
#include "bc-time.h"
#include "bs-cli.h"
#include "bs-stats.h"

/* Commit after the day in which a transaction reaches this many incidents: large enough that
 * the fsync per commit does not matter, small enough to keep the WAL and memory bounded and
 * to hold the write lock for only a fraction of a second (a server using the same database
 * waits for it up to its busy timeout). */
#define BATCH_INCIDENTS 20000
#define MAX_PER_DAY 9999   /* JQ + date + 4 digits */
/* bs_history_seed_chunked(): how many busy timeouts a chunk sits out before it gives up. */
#define CHUNK_BUSY_RETRIES 12
/* A chunk that held the write lock longer than this halves the days of the next ones. */
#define CHUNK_SLOW_US (250 * G_GINT64_CONSTANT (1000))

/* ---- Random numbers ------------------------------------------------------------------------
 *
 * xoshiro256** seeded through splitmix64: fast, and the same sequence on every platform, so
 * a seed always gives the same history. */

typedef struct
{
  guint64 s[4];
} Rng;

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void
rng_init (Rng     *rng,
          guint64  seed)
{
  for (guint i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&seed);
}

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
rng_next (Rng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

/* Uniform in [0, 1). */
static double
rng_double (Rng *rng)
{
  return (double) (rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

static guint64
rng_below (Rng     *rng,
           guint64  n)
{
  return (guint64) (rng_double (rng) * (double) n);
}

static double
rng_normal (Rng *rng)
{
  double u = 1.0 - rng_double (rng);   /* (0, 1] */
  double v = rng_double (rng);

  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

/* Log-normal with the given median; sigma is the spread of the logarithm. */
static double
rng_lognormal (Rng    *rng,
               double  median,
               double  sigma)
{
  return median * exp (sigma * rng_normal (rng));
}

static guint
rng_pick (Rng          *rng,
          const double *weights,
          guint         n)
{
  double total = 0;
  double r;

  for (guint i = 0; i < n; i++)
    total += weights[i];
  r = rng_double (rng) * total;
  for (guint i = 0; i < n; i++)
    {
      if (r < weights[i])
        return i;
      r -= weights[i];
    }
  return n - 1;
}

/* ---- The city ------------------------------------------------------------------------------ */

typedef struct
{
  const char        *name;
  double             weight;      /* share of the incidents */
  double             gcj_lat;     /* the district's label point (GCJ-02, as in
                                   * ../shared/data/jingmen-districts.geojson) */
  double             gcj_lon;
  double             spread_m;    /* standard deviation of the urban scatter */
  double             travel;      /* response times relative to the city */
  const char *const *roads;
} District;

static const char *const dongbao_roads[] = {
  "象山大道", "长宁大道", "白庙路", "金虾路", "泉口路", "中天街", "月亮湖路", "龙井大道",
  "海慧路", "东宝路", NULL
};
static const char *const duodao_roads[] = {
  "深圳大道", "白石坡路", "天鹅路", "培公大道", "杨湾路", "望兵石路", "虎牙关大道", "掇刀路",
  NULL
};
static const char *const jingshan_roads[] = {
  "京源大道", "新市大道", "轻机大道", "城中路", "八里途路", NULL
};
static const char *const shayang_roads[] = {
  "汉江大道", "沙洋大道", "五里大道", "平湖路", NULL
};
static const char *const zhongxiang_roads[] = {
  "承天大道", "王府大道", "莫愁大道", "郢中大道", "兰台路", NULL
};

/* Most calls come from the central city (Dongbao and Duodao). */
static const District districts[] = {
  { "东宝区", 36, 31.051852, 112.201493, 2500, 1.0, dongbao_roads },
  { "掇刀区", 30, 30.973451, 112.207962, 2500, 1.0, duodao_roads },
  { "钟祥市", 14, 31.167819, 112.588120, 3000, 1.3, zhongxiang_roads },
  { "京山市", 11, 31.018457, 113.119566, 3000, 1.35, jingshan_roads },
  { "沙洋县", 9, 30.709221, 112.588581, 3000, 1.4, shayang_roads },
};

/* Calls by local hour: quiet before dawn, a peak in the evening. */
static const double hour_weights[24] = {
  3.2, 2.4, 1.8, 1.4, 1.2, 1.4, 2.2, 3.4, 4.6, 5.0, 5.0, 5.0,
  4.6, 4.4, 4.6, 4.8, 5.0, 5.4, 5.8, 6.2, 6.4, 6.2, 5.4, 4.4,
};

/* Monday … Sunday. */
static const double weekday_factor[7] = { 0.95, 0.94, 0.95, 0.97, 1.05, 1.10, 1.04 };

/* Share of each type (in BcIncidentType order) on an ordinary day. */
static const double type_mix[BS_STATS_N_TYPES] = { 9, 20, 19, 3, 15, 18, 8, 8 };

/* By type: the priority 1 … 4 mix, how long the job takes once on scene (median, s), how it
 * ends, and what the caller said. */
static const struct
{
  double      priority[BS_STATS_N_PRIORITIES];
  double      handling_s;
  const char *disposition;
  const char *descriptions[4];
} type_info[BS_STATS_N_TYPES] = {
  [BC_INCIDENT_TYPE_CRIMINAL] = { { 20, 45, 30, 5 }, 5400, "已立案",
    { "报警称家中被盗", "电动车被盗", "手机被抢", "遭遇电信诈骗" } },
  [BC_INCIDENT_TYPE_PUBLIC_ORDER] = { { 5, 30, 45, 20 }, 2700, "已处置",
    { "有人酒后滋事", "噪音扰民", "有人打架", "聚众赌博" } },
  [BC_INCIDENT_TYPE_TRAFFIC] = { { 10, 35, 40, 15 }, 2400, "简易程序处理",
    { "两车相撞，无人受伤", "车辆追尾", "电动车与行人相撞", "车辆违停堵路" } },
  [BC_INCIDENT_TYPE_FIRE] = { { 55, 35, 8, 2 }, 3600, "已扑灭",
    { "居民楼冒烟", "车辆起火", "垃圾堆着火", "山林起火" } },
  [BC_INCIDENT_TYPE_RESCUE] = { { 25, 40, 25, 10 }, 2400, "已救助",
    { "老人走失", "有人被困电梯", "儿童走失", "有人落水" } },
  [BC_INCIDENT_TYPE_DISPUTE] = { { 3, 22, 50, 25 }, 3000, "已调解",
    { "邻里纠纷", "家庭纠纷", "消费纠纷", "劳资纠纷" } },
  [BC_INCIDENT_TYPE_SUSPICIOUS] = { { 5, 30, 45, 20 }, 1800, "经查无异常",
    { "有可疑人员徘徊", "可疑车辆停放", "有人撬门", "可疑包裹" } },
  [BC_INCIDENT_TYPE_OTHER] = { { 2, 13, 45, 40 }, 1500, "已处置",
    { "咨询求助", "宠物伤人", "路面积水", "其他求助" } },
};

/* Median seconds from the call to dispatch, and from en route to arrival, by priority. */
static const double dispatch_median_s[BS_STATS_N_PRIORITIES] = { 40, 75, 150, 300 };
static const double travel_median_s[BS_STATS_N_PRIORITIES] = { 380, 540, 760, 1100 };

/* ---- Calendar ------------------------------------------------------------------------------ */

/* The first day of the lunar new year (Spring Festival), the Dragon Boat Festival and the
 * Mid-Autumn Festival; other years get the fixed-date holidays only. */
static const struct
{
  guint16 year;
  guint8  spring_month, spring_day;
  guint8  dragon_month, dragon_day;
  guint8  autumn_month, autumn_day;
} lunar_holidays[] = {
  { 2020, 1, 25, 6, 25, 10, 1 },
  { 2021, 2, 12, 6, 14, 9, 21 },
  { 2022, 2, 1, 6, 3, 9, 10 },
  { 2023, 1, 22, 6, 22, 9, 29 },
  { 2024, 2, 10, 6, 10, 9, 17 },
  { 2025, 1, 29, 5, 31, 10, 6 },
  { 2026, 2, 17, 6, 19, 9, 25 },
  { 2027, 2, 6, 6, 9, 9, 15 },
  { 2028, 1, 26, 5, 28, 10, 3 },
  { 2029, 2, 13, 6, 16, 9, 22 },
  { 2030, 2, 3, 6, 5, 9, 12 },
};

typedef struct
{
  double factor;                      /* times the ordinary day's volume */
  double type_factor[BS_STATS_N_TYPES];
  gboolean late_night;                /* more calls after midnight (weekends, festivals) */
} DayProfile;

static gint64
day_of (GDateYear  year,
        GDateMonth month,
        GDateDay   day)
{
  GDate date, epoch;

  g_date_clear (&date, 1);
  g_date_clear (&epoch, 1);
  g_date_set_dmy (&date, day, month, year);
  g_date_set_dmy (&epoch, 1, G_DATE_JANUARY, 1970);
  return (gint64) g_date_get_julian (&date) - (gint64) g_date_get_julian (&epoch);
}

/* Whether @day is within [first, first + n). */
static gboolean
in_days (gint64 day,
         gint64 first,
         gint64 n)
{
  return day >= first && day < first + n;
}

static void
day_profile (gint64      day,
             DayProfile *out)
{
  GDate date;
  GDateYear year;
  guint weekday;
  double season;

  /* GDate's Julian days count from 0001-01-01 (day 1); 1970-01-01 is day 719163. */
  g_date_clear (&date, 1);
  g_date_set_julian (&date, (guint32) (day + 719163));
  year = g_date_get_year (&date);
  weekday = g_date_get_weekday (&date) - 1;   /* Monday = 0 */

  /* Busier in summer, quieter in late winter. */
  season = 1.0 + 0.12 * cos (2.0 * G_PI * ((double) g_date_get_day_of_year (&date) - 200.0) /
                             365.25);

  out->factor = weekday_factor[weekday] * season;
  out->late_night = weekday >= 4;
  for (guint i = 0; i < BS_STATS_N_TYPES; i++)
    out->type_factor[i] = 1.0;

  /* New Year's Eve and Day. */
  if (g_date_get_month (&date) == G_DATE_DECEMBER && g_date_get_day (&date) == 31)
    out->factor *= 1.2, out->late_night = TRUE;
  if (in_days (day, day_of (year, G_DATE_JANUARY, 1), 1))
    out->factor *= 1.1, out->late_night = TRUE;
  /* Qingming: grave-sweeping fires. */
  if (in_days (day, day_of (year, G_DATE_APRIL, 4), 3))
    out->factor *= 1.1, out->type_factor[BC_INCIDENT_TYPE_FIRE] *= 2.5;
  /* Labour Day and National Day weeks: travel and crowds. */
  if (in_days (day, day_of (year, G_DATE_MAY, 1), 5))
    out->factor *= 1.2, out->type_factor[BC_INCIDENT_TYPE_TRAFFIC] *= 1.3;
  if (in_days (day, day_of (year, G_DATE_OCTOBER, 1), 7))
    out->factor *= 1.25, out->type_factor[BC_INCIDENT_TYPE_TRAFFIC] *= 1.4;

  for (guint i = 0; i < G_N_ELEMENTS (lunar_holidays); i++)
    {
      gint64 spring, dragon, autumn;

      if (lunar_holidays[i].year != year && lunar_holidays[i].year != year + 1)
        continue;
      spring = day_of (lunar_holidays[i].year, lunar_holidays[i].spring_month,
                       lunar_holidays[i].spring_day);
      dragon = day_of (lunar_holidays[i].year, lunar_holidays[i].dragon_month,
                       lunar_holidays[i].dragon_day);
      autumn = day_of (lunar_holidays[i].year, lunar_holidays[i].autumn_month,
                       lunar_holidays[i].autumn_day);

      /* Spring Festival: New Year's Eve and the first day are the busiest nights of the year
       * (fireworks, drinking, family quarrels); the holiday week and the Lantern Festival
       * stay above normal. */
      if (in_days (day, spring - 1, 2))
        {
          out->factor *= 1.35;
          out->late_night = TRUE;
          out->type_factor[BC_INCIDENT_TYPE_FIRE] *= 3.0;
          out->type_factor[BC_INCIDENT_TYPE_DISPUTE] *= 1.3;
        }
      else if (in_days (day, spring + 1, 6))
        {
          out->factor *= 1.1;
          out->type_factor[BC_INCIDENT_TYPE_FIRE] *= 2.0;
          out->type_factor[BC_INCIDENT_TYPE_TRAFFIC] *= 1.3;
        }
      else if (day == spring + 14)
        {
          out->factor *= 1.15;
          out->type_factor[BC_INCIDENT_TYPE_FIRE] *= 2.0;
        }
      if (in_days (day, dragon, 3) || in_days (day, autumn, 3))
        out->factor *= 1.15, out->type_factor[BC_INCIDENT_TYPE_TRAFFIC] *= 1.2;
    }
}

/* ---- One incident -------------------------------------------------------------------------- */

typedef struct
{
  gint64         created_at;
  gint64         dispatched_at;
  gint64         en_route_at;
  gint64         on_scene_at;
  gint64         closed_at;
  BcIncidentType type;
  int            priority;
  guint          district;
  double         lat;
  double         lon;
  guint          road;
  guint          house;
  guint          description;
} Seeded;

static int
compare_seeded (gconstpointer a,
                gconstpointer b)
{
  const Seeded *x = a;
  const Seeded *y = b;

  return x->created_at < y->created_at ? -1 : x->created_at > y->created_at;
}

/* Seconds, never below @min, as µs. */
static gint64
seconds_us (double seconds,
            double min)
{
  return (gint64) (MAX (seconds, min) * G_USEC_PER_SEC);
}

static void
seed_incident (Rng              *rng,
               const DayProfile *profile,
               guint             hour,
               gint64            created_at,
               Seeded           *out)
{
  double type_weights[BS_STATS_N_TYPES];
  double district_weights[G_N_ELEMENTS (districts)];
  const District *district;
  double lat, lon, north, east, scatter;
  guint n_roads;
  int p;

  for (guint i = 0; i < BS_STATS_N_TYPES; i++)
    type_weights[i] = type_mix[i] * profile->type_factor[i];
  /* Commuter traffic; crime and drink after dark. */
  if ((hour >= 7 && hour <= 9) || (hour >= 17 && hour <= 19))
    type_weights[BC_INCIDENT_TYPE_TRAFFIC] *= 1.6;
  if (hour <= 5)
    {
      type_weights[BC_INCIDENT_TYPE_TRAFFIC] *= 0.6;
      type_weights[BC_INCIDENT_TYPE_CRIMINAL] *= 1.5;
      type_weights[BC_INCIDENT_TYPE_SUSPICIOUS] *= 1.4;
    }
  if (hour >= 18)
    type_weights[BC_INCIDENT_TYPE_DISPUTE] *= 1.3;

  for (guint i = 0; i < G_N_ELEMENTS (districts); i++)
    district_weights[i] = districts[i].weight;

  out->type = (BcIncidentType) rng_pick (rng, type_weights, BS_STATS_N_TYPES);
  out->priority = (int) rng_pick (rng, type_info[out->type].priority, BS_STATS_N_PRIORITIES) + 1;
  out->district = rng_pick (rng, district_weights, G_N_ELEMENTS (districts));
  district = &districts[out->district];
  p = out->priority - 1;

  out->created_at = created_at;
  out->dispatched_at = created_at + seconds_us (rng_lognormal (rng, dispatch_median_s[p], 0.55),
                                                5);
  out->en_route_at = out->dispatched_at + seconds_us (rng_lognormal (rng, 25, 0.5), 3);
  out->on_scene_at = out->en_route_at +
                     seconds_us (rng_lognormal (rng, travel_median_s[p] * district->travel, 0.45),
                                 60);
  out->closed_at = out->on_scene_at +
                   seconds_us (rng_lognormal (rng, type_info[out->type].handling_s, 0.6), 120);

  /* Most calls from the town centre, some from the countryside around it. */
  scatter = rng_double (rng) < 0.85 ? district->spread_m : district->spread_m * 4;
  bc_gcj02_to_wgs84 (district->gcj_lat, district->gcj_lon, &lat, &lon);
  north = rng_normal (rng) * scatter;
  east = rng_normal (rng) * scatter;
  bc_geo_offset_m (lat, lon, north, east, &out->lat, &out->lon);

  for (n_roads = 0; district->roads[n_roads] != NULL; n_roads++)
    ;
  out->road = (guint) rng_below (rng, n_roads);
  out->house = 1 + (guint) rng_below (rng, 399);
  out->description = (guint) rng_below (rng, G_N_ELEMENTS (type_info[0].descriptions));
}

/* ---- Writing ------------------------------------------------------------------------------- */

typedef struct
{
  BcStore       *store;
  BsStatsRollup *rollup;
  char          *trigger_sql;   /* the per-row roll-up trigger, while it is suspended */
  guint64        in_batch;
} Writer;

/* The roll-up trigger costs more than the insert itself; for a bulk load it is suspended
 * (dropped and re-created from its own definition in the same transaction, so no other
 * connection ever sees the table without it) and the roll-ups are added in one go. */
static gboolean
writer_begin (Writer  *writer,
              GError **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  if (!bc_store_begin (writer->store, error))
    return FALSE;

  stmt = bc_store_prepare (writer->store,
                           "SELECT sql FROM sqlite_schema "
                           "WHERE type = 'trigger' AND name = 'incidents_stats_insert'",
                           error);
  if (stmt == NULL)
    goto fail;
  switch (bc_store_step (writer->store, stmt, error))
    {
    case SQLITE_ROW:
      writer->trigger_sql = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      break;
    case SQLITE_DONE:
      g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL,
                   "the database has no statistics trigger (schema version %u)",
                   bc_store_get_schema_version (writer->store));
      goto fail;
    default:
      goto fail;
    }
  g_clear_pointer (&stmt, bc_stmt_release);

  if (!bc_store_exec (writer->store, "DROP TRIGGER incidents_stats_insert", error))
    goto fail;
  writer->in_batch = 0;
  return TRUE;

fail:
  g_clear_pointer (&stmt, bc_stmt_release);
  g_clear_pointer (&writer->trigger_sql, g_free);
  bc_store_rollback (writer->store);
  return FALSE;
}

static gboolean
writer_commit (Writer  *writer,
               GError **error)
{
  g_autofree char *trigger_sql = g_steal_pointer (&writer->trigger_sql);

  if (!bs_stats_rollup_write (writer->rollup, writer->store, error) ||
      !bc_store_exec (writer->store, trigger_sql, error))
    {
      bc_store_rollback (writer->store);
      return FALSE;
    }
  return bc_store_commit (writer->store, error);
}

static void
writer_abort (Writer *writer)
{
  g_clear_pointer (&writer->trigger_sql, g_free);
  if (bc_store_in_transaction (writer->store))
    bc_store_rollback (writer->store);
}

/* The highest sequence number of the incidents of @day, 0 if none. */
static gboolean
last_number_of_day (BcStore    *store,
                    const char *date,
                    guint      *out,
                    GError    **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  g_autofree char *low = g_strdup_printf ("JQ%s0000", date);
  g_autofree char *high = g_strdup_printf ("JQ%s9999", date);

  stmt = bc_store_prepare (store,
                           "SELECT max (number) FROM incidents WHERE number BETWEEN ?1 AND ?2",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, low, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, high, -1, SQLITE_STATIC);
  if (bc_store_step (store, stmt, error) != SQLITE_ROW)
    return FALSE;
  *out = sqlite3_column_type (stmt, 0) == SQLITE_NULL
         ? 0 : (guint) g_ascii_strtoull ((const char *) sqlite3_column_text (stmt, 0) + 10,
                                         NULL, 10);
  return TRUE;
}

static gboolean
insert_incident (Writer       *writer,
                 const Seeded *seeded,
                 const char   *number,
                 GError      **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  const District *district = &districts[seeded->district];
  char address[128];

  stmt = bc_store_prepare (writer->store,
                           "INSERT INTO incidents (number, type, priority, status, lat, lon, "
                           "  address, district, description, disposition, created_at, "
                           "  dispatched_at, en_route_at, on_scene_at, closed_at, updated_at, "
                           "  version) "
                           "VALUES (?1, ?2, ?3, 'closed', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                           "  ?13, ?14, ?14, 5)",
                           error);
  if (stmt == NULL)
    return FALSE;

  g_snprintf (address, sizeof address, "%s%s%u号附近", district->name,
              district->roads[seeded->road], seeded->house);
  sqlite3_bind_text (stmt, 1, number, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, bc_incident_type_to_string (seeded->type), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, seeded->priority);
  sqlite3_bind_double (stmt, 4, seeded->lat);
  sqlite3_bind_double (stmt, 5, seeded->lon);
  sqlite3_bind_text (stmt, 6, address, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, district->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, type_info[seeded->type].descriptions[seeded->description], -1,
                     SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, type_info[seeded->type].disposition, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 10, seeded->created_at);
  sqlite3_bind_int64 (stmt, 11, seeded->dispatched_at);
  sqlite3_bind_int64 (stmt, 12, seeded->en_route_at);
  sqlite3_bind_int64 (stmt, 13, seeded->on_scene_at);
  sqlite3_bind_int64 (stmt, 14, seeded->closed_at);
  if (!bc_store_step_done (writer->store, stmt, error))
    return FALSE;

  bs_stats_rollup_add (writer->rollup, seeded->created_at, seeded->dispatched_at,
                       seeded->on_scene_at, seeded->closed_at, 0, district->name, seeded->type,
                       seeded->priority);
  writer->in_batch++;
  return TRUE;
}

/* What a run writes, read once from the options: bs_history_seed_full() and
 * bs_history_seed_chunked() must read them the same way to write the same incidents. */
typedef struct
{
  double scale;
  gint64 end;
  gint64 close_limit;
  gint64 first_day;
  gint64 last_day;
} Plan;

static void
plan_init (Plan                   *plan,
           const BsHistoryOptions *options)
{
  plan->scale = options->scale > 0 ? options->scale : 1.0;
  plan->end = options->end != 0 ? options->end : bc_time_now ();
  /* Incidents of the last evening close after `end`, but never in the future: a history that
   * ends a day or more ago is complete (and the same for a seed), one that ends now lacks the
   * last hour or two, whose incidents would still be open. */
  plan->close_limit = MIN (plan->end + BS_STATS_DAY_US,
                           options->now != 0 ? options->now : bc_time_now ());
  /* The last day is the one `end` falls in (the day before, at midnight exactly). */
  plan->last_day = bs_stats_local_day (plan->end - 1);
  plan->first_day = plan->last_day - options->days + 1;
}

/* Draws one local day: the incidents created before @end and closed before @close_limit, in
 * order of creation. Uses nothing but @rng, so that the same seed gives the same days whether
 * they are written in one transaction or in many. */
static GArray *
generate_day (Rng        *rng,
              gint64      day,
              const Plan *plan)
{
  g_autoptr(GArray) seeded = g_array_new (FALSE, FALSE, sizeof (Seeded));
  double weights[24];
  DayProfile profile;
  gint64 day_start = bs_stats_day_start (day);
  double expected;
  gint64 n;

  day_profile (day, &profile);
  expected = BS_HISTORY_MEAN_PER_DAY * plan->scale * profile.factor;
  n = (gint64) llround (expected + sqrt (expected) * rng_normal (rng));
  n = CLAMP (n, 0, MAX_PER_DAY);

  for (guint h = 0; h < 24; h++)
    weights[h] = hour_weights[h] * (profile.late_night && h <= 3 ? 1.35 : 1.0);

  for (gint64 i = 0; i < n; i++)
    {
      guint hour = rng_pick (rng, weights, 24);
      gint64 created_at = day_start + hour * G_GINT64_CONSTANT (3600000000) +
                          (gint64) rng_below (rng, 3600000) * 1000;
      Seeded incident;

      /* Always draw the whole incident, so that where the end falls does not shift the random
       * sequence of the days before it. */
      seed_incident (rng, &profile, hour, created_at, &incident);
      if (incident.created_at < plan->end && incident.closed_at < plan->close_limit)
        g_array_append_val (seeded, incident);
    }

  g_array_sort (seeded, compare_seeded);
  return g_steal_pointer (&seeded);
}

/* Writes the incidents of local @day drawn by generate_day(), numbered after those already
 * there; inside the writer's transaction. */
static gboolean
write_day (Writer      *writer,
           gint64       day,
           GArray      *seeded,
           guint64     *n_written,
           GError     **error)
{
  g_autofree char *date = NULL;
  guint last = 0;

  if (seeded->len == 0)
    return TRUE;

  date = bs_stats_day_to_date (day);
  /* Remove the dashes: JQ + yyyymmdd. */
  memmove (date + 4, date + 5, 2);
  memmove (date + 6, date + 8, 3);
  if (!last_number_of_day (writer->store, date, &last, error))
    return FALSE;
  if (last + seeded->len > MAX_PER_DAY)
    {
      g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_CONSTRAINT,
                   "the incident numbers of %s are used up (9999 a day)", date);
      return FALSE;
    }

  for (guint i = 0; i < seeded->len; i++)
    {
      char number[24];

      g_snprintf (number, sizeof number, "JQ%s%04u", date, last + 1 + i);
      if (!insert_incident (writer, &g_array_index (seeded, Seeded, i), number, error))
        return FALSE;
    }
  *n_written += seeded->len;
  return TRUE;
}

/* Generates and writes one local day (see generate_day()). */
static gboolean
seed_day (Writer      *writer,
          Rng         *rng,
          gint64       day,
          const Plan  *plan,
          guint64     *n_written,
          GError     **error)
{
  g_autoptr(GArray) seeded = generate_day (rng, day, plan);

  return write_day (writer, day, seeded, n_written, error);
}

/* SQLite allocates a scratch buffer at the top of the heap for every statement and frees it at
 * the end; with glibc's default trim threshold each free returns it to the kernel (brk) and
 * the next statement faults it in again, which made seeding about ten times slower. The same
 * process-wide setting as bs-repo.c's, for when the seeder runs without a repo (the CLI). */
static void
tune_malloc_once (void)
{
#ifdef __GLIBC__
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      mallopt (M_TOP_PAD, 1 << 20);
      mallopt (M_TRIM_THRESHOLD, 4 << 20);
      g_once_init_leave (&done, 1);
    }
#endif
}

static gboolean
seed_days (Writer                  *writer,
           Rng                     *rng,
           const BsHistoryOptions  *options,
           const Plan              *plan,
           guint64                 *out_n,
           GError                 **error)
{
  g_autofree char *detail = NULL;
  guint64 n = 0;

  if (!writer_begin (writer, error))
    return FALSE;

  for (gint64 day = plan->first_day; day <= plan->last_day; day++)
    {
      if (!seed_day (writer, rng, day, plan, &n, error))
        {
          writer_abort (writer);
          return FALSE;
        }

      if (writer->in_batch >= BATCH_INCIDENTS && day < plan->last_day &&
          (!writer_commit (writer, error) || !writer_begin (writer, error)))
        return FALSE;

      if (options->progress != NULL)
        options->progress ((guint) (day - plan->first_day + 1), options->days, n,
                           options->progress_data);
    }

  detail = g_strdup_printf ("{\"days\":%u,\"seed\":%" G_GUINT64_FORMAT ",\"scale\":%g,"
                            "\"incidents\":%" G_GUINT64_FORMAT "}",
                            options->days, options->seed, plan->scale, n);
  if (!bc_audit_append (writer->store, bc_time_now (),
                        options->actor != NULL ? options->actor : "system", NULL, "local",
                        "history.seed", "incidents", detail, error))
    {
      writer_abort (writer);
      return FALSE;
    }
  if (!writer_commit (writer, error))
    return FALSE;

  *out_n = n;
  return TRUE;
}

gboolean
bs_history_seed_full (BcStore                 *store,
                      const BsHistoryOptions  *options,
                      guint64                 *out_n_incidents,
                      GError                 **error)
{
  g_autoptr(BsStatsRollup) rollup = bs_stats_rollup_new ();
  Writer writer = { store, rollup, NULL, 0 };
  Rng rng;
  Plan plan;
  guint64 n = 0;
  gboolean ok;

  g_return_val_if_fail (BC_IS_STORE (store), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (options->days >= 1 && options->days <= BS_HISTORY_MAX_DAYS, FALSE);
  g_return_val_if_fail (options->scale >= 0 && options->scale <= 12, FALSE);
  g_return_val_if_fail (!bc_store_in_transaction (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tune_malloc_once ();
  plan_init (&plan, options);
  rng_init (&rng, options->seed);

  /* A batch touches tens of megabytes of pages; with SQLite's default 2 MB cache they would
   * be spilled to the WAL and read back several times over. */
  if (!bc_store_exec (store, "PRAGMA cache_size = -65536", error))
    return FALSE;
  ok = seed_days (&writer, &rng, options, &plan, &n, error);
  if (!bc_store_exec (store, "PRAGMA cache_size = -2000", ok ? error : NULL))
    ok = FALSE;
  if (!ok)
    return FALSE;

  if (out_n_incidents != NULL)
    *out_n_incidents = n;
  return TRUE;
}

/* One chunk of bs_history_seed_chunked(): the days are drawn before the transaction begins, so
 * that the write lock is held only while rows are written. */
static gboolean
seed_chunk (Writer                  *writer,
            Rng                     *rng,
            const BsHistoryOptions  *options,
            const Plan              *plan,
            gint64                   first_day,
            gint64                   last_day,
            gboolean                 audit,
            GCancellable            *cancellable,
            guint64                 *n_total,
            BsHistoryStats          *stats,
            GError                 **error)
{
  g_autoptr(GPtrArray) days = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  guint64 n = 0;
  gint64 started;

  for (gint64 day = first_day; day <= last_day; day++)
    g_ptr_array_add (days, generate_day (rng, day, plan));

  /* The server may hold the write lock for longer than the busy timeout now and then (a
   * trainer's Reset re-imports 20,000 cameras in one transaction on a slow machine); history
   * is not urgent, so it waits its turn instead of giving up. */
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(GError) local_error = NULL;

      started = g_get_monotonic_time ();
      if (writer_begin (writer, &local_error))
        break;
      if (!g_error_matches (local_error, BC_STORE_ERROR, BC_STORE_ERROR_BUSY) ||
          attempt >= CHUNK_BUSY_RETRIES ||
          g_cancellable_is_cancelled (cancellable))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  for (guint i = 0; i < days->len; i++)
    if (!write_day (writer, first_day + i, g_ptr_array_index (days, i), &n, error))
      {
        writer_abort (writer);
        return FALSE;
      }
  if (audit)
    {
      g_autofree char *detail = NULL;

      detail = g_strdup_printf ("{\"days\":%u,\"seed\":%" G_GUINT64_FORMAT ",\"scale\":%g,"
                                "\"incidents\":%" G_GUINT64_FORMAT "}",
                                options->days, options->seed, plan->scale, *n_total + n);
      if (!bc_audit_append (writer->store, bc_time_now (),
                            options->actor != NULL ? options->actor : "system", NULL, "local",
                            "history.seed", "incidents", detail, error))
        {
          writer_abort (writer);
          return FALSE;
        }
    }
  if (!writer_commit (writer, error))
    return FALSE;

  started = g_get_monotonic_time () - started;
  g_debug ("History: days %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ", %" G_GUINT64_FORMAT
           " incidents written in %.1f ms", first_day, last_day, n, started / 1000.0);
  stats->longest_chunk_us = MAX (stats->longest_chunk_us, started);
  stats->last_chunk_us = started;
  stats->n_chunks++;
  *n_total += n;
  return TRUE;
}

/* SQLite's busy handler polls: a connection that waits for the write lock sleeps 1, 2, 5, 10,
 * 15, 20, 25, 25, 25, 50, 50 and then 100 ms at a time between tries. A writer that takes the
 * lock again as soon as it has let it go can keep such a waiter out for many chunks in a row
 * (measured: POST /incidents held up for 1.4 s while history was written without a pause);
 * a pause longer than the waiter's current step (as long as the chunk, up to 110 ms) lets it
 * in on its next try. Cancellation ends the pause. */
static void
pause_after_chunk (gint64        pause_us,
                   GCancellable *cancellable)
{
  gint64 until = g_get_monotonic_time () + pause_us;

  while (!g_cancellable_is_cancelled (cancellable))
    {
      gint64 left = until - g_get_monotonic_time ();

      if (left <= 0)
        break;
      g_usleep ((gulong) MIN (left, 10000));
    }
}

gboolean
bs_history_seed_chunked (BcStore                 *store,
                         const BsHistoryOptions  *options,
                         guint                    max_days,
                         GCancellable            *cancellable,
                         BsHistoryStats          *out_stats,
                         GError                 **error)
{
  g_autoptr(BsStatsRollup) rollup = bs_stats_rollup_new ();
  Writer writer = { store, rollup, NULL, 0 };
  BsHistoryStats stats = { 0, };
  Rng rng;
  Plan plan;
  gint64 day;
  gint64 started = g_get_monotonic_time ();
  guint64 n = 0;
  guint chunk_days = 1;
  Rng *states;
  gboolean ok = TRUE;

  g_return_val_if_fail (BC_IS_STORE (store), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (options->days >= 1 && options->days <= BS_HISTORY_MAX_DAYS, FALSE);
  g_return_val_if_fail (options->scale >= 0 && options->scale <= 12, FALSE);
  g_return_val_if_fail (max_days >= 1, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (!bc_store_in_transaction (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tune_malloc_once ();
  plan_init (&plan, options);
  rng_init (&rng, options->seed);

  /* A chunk is small, but the default 2 MB cache would still be spilled to the WAL. */
  if (!bc_store_exec (store, "PRAGMA cache_size = -16384", error))
    return FALSE;

  /* The newest days first, so that the week, month and quarter that a wall shows are whole
   * early on. The random sequence runs oldest first (the same history as
   * bs_history_seed_full()), so a first pass draws every day and keeps only the generator's
   * state at the start of each day (32 bytes a day). */
  states = g_new (Rng, options->days);
  for (day = plan.first_day; ok && day <= plan.last_day; day++)
    {
      if ((day - plan.first_day) % 16 == 0 &&
          g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
      states[day - plan.first_day] = rng;
      g_array_unref (generate_day (&rng, day, &plan));
    }

  for (gint64 chunk_last = plan.last_day; ok && chunk_last >= plan.first_day;)
    {
      gint64 chunk_first = MAX (plan.first_day, chunk_last - (gint64) chunk_days + 1);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      rng = states[chunk_first - plan.first_day];
      if (!seed_chunk (&writer, &rng, options, &plan, chunk_first, chunk_last,
                       chunk_first == plan.first_day, cancellable, &n, &stats, error))
        {
          ok = FALSE;
          break;
        }
      stats.days_done += (guint) (chunk_last - chunk_first + 1);
      stats.n_incidents = n;
      if (options->progress != NULL)
        options->progress (stats.days_done, options->days, n, options->progress_data);
      chunk_last = chunk_first - 1;

      /* A slow machine (or valgrind) makes every chunk slower, and a server waiting for the
       * lock gives up after its busy timeout: start with one day, double up to @max_days
       * while chunks are quick, halve when one is slow. */
      if (stats.last_chunk_us > CHUNK_SLOW_US && chunk_days > 1)
        {
          chunk_days /= 2;
          g_debug ("History: that took too long; %u days a chunk from now on", chunk_days);
        }
      else if (stats.last_chunk_us < CHUNK_SLOW_US / 4 && chunk_days < max_days)
        {
          chunk_days = MIN (max_days, chunk_days * 2);
        }
      if (options->pause_ms > 0 && chunk_last >= plan.first_day)
        pause_after_chunk (MAX ((gint64) options->pause_ms * 1000,
                                MIN (stats.last_chunk_us, 110 * 1000)),
                           cancellable);
    }
  g_free (states);

  stats.days_done = ok ? options->days : stats.days_done;
  stats.n_incidents = n;
  stats.elapsed_us = g_get_monotonic_time () - started;
  if (out_stats != NULL)
    *out_stats = stats;
  if (!bc_store_exec (store, "PRAGMA cache_size = -2000", ok ? error : NULL))
    ok = FALSE;
  return ok;
}

gboolean
bs_history_seed (BcStore  *store,
                 guint     days,
                 guint64   seed,
                 gint64    end_us,
                 GError  **error)
{
  BsHistoryOptions options = { 0, };

  options.days = days;
  options.seed = seed;
  options.end = end_us;
  return bs_history_seed_full (store, &options, NULL, error);
}

/* ---- beacon-server seed-history ------------------------------------------------------------ */

typedef struct
{
  gint64 started;
  gint64 last_print;
} CliProgress;

static void
cli_progress (guint    days_done,
              guint    n_days,
              guint64  n_incidents,
              gpointer user_data)
{
  CliProgress *progress = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, n_incidents);

  if (days_done < n_days && now - progress->last_print < G_USEC_PER_SEC / 4)
    return;
  progress->last_print = now;
  g_printerr ("\r");
  g_printerr (_("%u/%u days, %s incidents"), days_done, n_days, count);
}

int
bs_history_cli (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = NULL;
  g_autofree char *db = NULL;
  g_autofree char *end_text = NULL;
  g_autofree char *seed_text = NULL;
  g_autofree char *actor = NULL;
  g_autofree char *count = NULL;
  gint days = 365;
  double scale = 1.0;
  guint64 seed = 1;
  guint64 n = 0;
  BsHistoryOptions options = { 0, };
  CliProgress progress = { 0, };
  double seconds;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("The SQLite database"), N_("PATH") },
    { "days", 0, 0, G_OPTION_ARG_INT, &days, N_("Days of history (default 365)"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      N_("Random seed: the same seed gives the same history (default 1)"), N_("N") },
    { "end", 0, 0, G_OPTION_ARG_STRING, &end_text,
      N_("Last day of history (default: up to now)"), N_("YYYY-MM-DD") },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale,
      N_("Incidents per day relative to a city of Jingmen's size (default 1.0)"), N_("X") },
    { NULL }
  };

  context = g_option_context_new (_("— write a synthetic history of closed incidents"));
  g_option_context_set_description (context,
    _("History goes into the incidents table and the statistics, not into the event log."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return BS_EXIT_USAGE;
    }
  if (argc != 1)
    {
      g_printerr ("%s\n", _("seed-history takes no arguments besides its options"));
      return BS_EXIT_USAGE;
    }
  if (db == NULL)
    {
      g_printerr ("%s\n", _("--db is required"));
      return BS_EXIT_USAGE;
    }
  if (days < 1 || days > BS_HISTORY_MAX_DAYS)
    {
      g_printerr (_("--days must be from 1 to %d"), BS_HISTORY_MAX_DAYS);
      g_printerr ("\n");
      return BS_EXIT_USAGE;
    }
  if (!(scale > 0 && scale <= 12))
    {
      g_printerr ("%s\n", _("--scale must be above 0 and at most 12"));
      return BS_EXIT_USAGE;
    }
  if (seed_text != NULL && !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT64, &seed,
                                                        NULL))
    {
      g_printerr ("%s\n", _("--seed must be a non-negative integer"));
      return BS_EXIT_USAGE;
    }
  if (end_text != NULL)
    {
      g_autoptr(GHashTable) params = g_hash_table_new (g_str_hash, g_str_equal);
      BsStatsQuery query;

      /* The same reading of a date as GET /stats/summary?end=DATE: the end of that day. */
      g_hash_table_insert (params, (char *) "end", end_text);
      if (strlen (end_text) != 10 || !bs_stats_query_parse (params, 0, &query, NULL))
        {
          g_printerr ("%s\n", _("--end must be a date (YYYY-MM-DD) from 2000 to 2099"));
          return BS_EXIT_USAGE;
        }
      options.end = query.end;
      bs_stats_query_clear (&query);
    }

  if (!g_file_test (db, G_FILE_TEST_EXISTS))
    {
      g_printerr (_("There is no database at %s; create one with “beacon-server init --db %s”"),
                  db, db);
      g_printerr ("\n");
      return BS_EXIT_FAILURE;
    }
  store = bc_store_open (db, bc_server_schema (), &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return BS_EXIT_FAILURE;
    }

  actor = g_strdup_printf ("cli:%s", g_get_user_name ());
  options.days = (guint) days;
  options.seed = seed;
  options.scale = scale;
  options.actor = actor;
  options.progress = cli_progress;
  options.progress_data = &progress;
  progress.started = g_get_monotonic_time ();

  if (!bs_history_seed_full (store, &options, &n, &error))
    {
      g_printerr ("\n");
      g_printerr (_("Cannot write the history: %s"), error->message);
      g_printerr ("\n");
      return BS_EXIT_FAILURE;
    }

  seconds = (g_get_monotonic_time () - progress.started) / (double) G_USEC_PER_SEC;
  g_printerr ("\n");
  count = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  g_print (_("Wrote %s closed incidents over %d days in %.1f s (%.0f incidents/s)"),
           count, days, seconds, seconds > 0 ? n / seconds : 0.0);
  g_print ("\n");
  return BS_EXIT_OK;
}
