/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-store"

#include "config.h"

#include "bc-schema.h"

/* The server's database (docs/domain.md describes the objects).
 *
 * Conventions:
 * - Times are INTEGER microseconds since the Unix epoch (UTC). A time that is not set (0 in the
 *   program, null in JSON) is NULL here.
 * - Booleans are INTEGER 0 or 1. Enumerations are their stable string codes, checked.
 * - Tables are STRICT, so a wrongly typed bind fails instead of being stored as text.
 * - Ids that clients see are AUTOINCREMENT: a deleted row's id is never handed out again.
 * - Usernames in history (orders.issued_by, notes.author, audit.username) are plain text without
 *   a foreign key, so that the record outlives the account. Accounts are disabled, not deleted.
 * - `meta` (key, value) is created by BcStore itself and holds the schema name; the event log
 *   keeps "event_log.pruned_through" there.
 *
 * Migrations are append-only: never change one that has shipped. */

static const char migration_1[] =
  "CREATE TABLE users ("
  "  username      TEXT PRIMARY KEY NOT NULL"
  "                CHECK (length (username) BETWEEN 1 AND 32"
  "                       AND username NOT GLOB '*[^a-z0-9_.-]*'),"
  "  role          TEXT NOT NULL"
  "                CHECK (role IN ('dispatcher', 'supervisor', 'trainer', 'admin', 'unit')),"
  "  display_name  TEXT NOT NULL DEFAULT '',"
  "  password_hash TEXT NOT NULL,"         /* libsodium argon2id string */
  "  created_at    INTEGER NOT NULL,"
  "  disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))"
  ") STRICT, WITHOUT ROWID;"

  /* Only a hash of the bearer token is kept (lower-case hex SHA-256), so a copy of the database
   * does not hand out live sessions. */
  "CREATE TABLE sessions ("
  "  token_hash TEXT PRIMARY KEY NOT NULL"
  "             CHECK (length (token_hash) = 64 AND token_hash NOT GLOB '*[^0-9a-f]*'),"
  "  username   TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  remote     TEXT"
  ") STRICT, WITHOUT ROWID;"
  "CREATE INDEX sessions_username ON sessions (username);"
  "CREATE INDEX sessions_expires_at ON sessions (expires_at);"

  /* caller_name and caller_phone are both NULL for an anonymous caller. */
  "CREATE TABLE incidents ("
  "  id            INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  number        TEXT NOT NULL UNIQUE,"
  "  type          TEXT NOT NULL"
  "                CHECK (type IN ('criminal', 'public_order', 'traffic', 'fire', 'rescue',"
  "                                'dispute', 'suspicious', 'other')),"
  "  priority      INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),"
  "  status        TEXT NOT NULL DEFAULT 'new'"
  "                CHECK (status IN ('new', 'dispatched', 'en_route', 'on_scene', 'closed',"
  "                                  'cancelled')),"
  "  lat           REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),"
  "  lon           REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),"
  "  address       TEXT NOT NULL DEFAULT '',"
  "  district      TEXT NOT NULL DEFAULT '',"
  "  caller_name   TEXT,"
  "  caller_phone  TEXT,"
  "  description   TEXT NOT NULL DEFAULT '',"
  "  disposition   TEXT,"
  "  created_at    INTEGER NOT NULL,"
  "  dispatched_at INTEGER,"
  "  en_route_at   INTEGER,"
  "  on_scene_at   INTEGER,"
  "  closed_at     INTEGER,"
  "  cancelled_at  INTEGER,"
  "  updated_at    INTEGER NOT NULL,"
  "  version       INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1)"
  ") STRICT;"
  "CREATE INDEX incidents_status ON incidents (status);"
  "CREATE INDEX incidents_priority ON incidents (priority);"
  "CREATE INDEX incidents_created_at ON incidents (created_at);"

  /* A position is all there or all NULL (no fix yet). */
  "CREATE TABLE units ("
  "  id        INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  call_sign TEXT NOT NULL UNIQUE CHECK (length (call_sign) BETWEEN 1 AND 32),"
  "  kind      TEXT NOT NULL"
  "            CHECK (kind IN ('patrol_car', 'motorcycle', 'foot', 'traffic', 'special')),"
  "  station   TEXT NOT NULL DEFAULT '',"
  "  status    TEXT NOT NULL DEFAULT 'available'"
  "            CHECK (status IN ('available', 'dispatched', 'en_route', 'on_scene',"
  "                              'off_duty')),"
  "  lat       REAL CHECK (lat BETWEEN -90 AND 90),"
  "  lon       REAL CHECK (lon BETWEEN -180 AND 180),"
  "  heading   REAL CHECK (heading >= 0 AND heading < 360),"
  "  speed     REAL CHECK (speed BETWEEN 0 AND 100),"
  "  fix_at    INTEGER,"
  "  incident  INTEGER REFERENCES incidents (id) ON DELETE SET NULL,"
  "  version   INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),"
  "  CHECK ((lat IS NULL) = (lon IS NULL) AND (lat IS NULL) = (heading IS NULL)"
  "         AND (lat IS NULL) = (speed IS NULL) AND (lat IS NULL) = (fix_at IS NULL))"
  ") STRICT;"
  "CREATE INDEX units_incident ON units (incident);"

  /* The units assigned to an incident, in the order they were assigned. */
  "CREATE TABLE incident_units ("
  "  incident    INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,"
  "  unit        INTEGER NOT NULL REFERENCES units (id),"
  "  assigned_at INTEGER NOT NULL,"
  "  PRIMARY KEY (incident, unit)"
  ") STRICT, WITHOUT ROWID;"
  "CREATE INDEX incident_units_unit ON incident_units (unit);"

  "CREATE TABLE cameras ("
  "  id         TEXT PRIMARY KEY NOT NULL"
  "             CHECK (length (id) = 20 AND id NOT GLOB '*[^0-9]*'),"
  "  name       TEXT NOT NULL CHECK (length (name) BETWEEN 1 AND 128),"
  "  lat        REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),"
  "  lon        REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),"
  "  kind       TEXT NOT NULL CHECK (kind IN ('dome', 'bullet', 'checkpoint')),"
  "  online     INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),"
  "  stream_uri TEXT NOT NULL DEFAULT '',"
  "  station    TEXT NOT NULL DEFAULT ''"
  ") STRICT, WITHOUT ROWID;"
  "CREATE INDEX cameras_lat_lon ON cameras (lat, lon);"

  /* request_hash: hash of the request body that created the order, so that a retry with the
   * same idempotency key but a different body is detected (409) instead of answered with the
   * old order. */
  "CREATE TABLE orders ("
  "  id              INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  incident        INTEGER NOT NULL REFERENCES incidents (id),"
  "  instructions    TEXT NOT NULL DEFAULT '',"
  "  issued_by       TEXT NOT NULL,"
  "  issued_at       INTEGER NOT NULL,"
  "  idempotency_key TEXT NOT NULL UNIQUE"
  "                  CHECK (length (idempotency_key) BETWEEN 1 AND 128),"
  "  request_hash    TEXT NOT NULL"
  ") STRICT;"
  "CREATE INDEX orders_incident ON orders (incident);"

  "CREATE TABLE order_units ("
  "  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,"
  "  unit     INTEGER NOT NULL REFERENCES units (id),"
  "  state    TEXT NOT NULL DEFAULT 'sent'"
  "           CHECK (state IN ('sent', 'acknowledged', 'refused')),"
  "  at       INTEGER NOT NULL,"
  "  PRIMARY KEY (order_id, unit)"
  ") STRICT, WITHOUT ROWID;"
  "CREATE INDEX order_units_unit ON order_units (unit);"

  "CREATE TABLE notes ("
  "  id       INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  incident INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,"
  "  author   TEXT NOT NULL,"
  "  at       INTEGER NOT NULL,"
  "  text     TEXT NOT NULL CHECK (length (text) BETWEEN 1 AND 4000)"
  ") STRICT;"
  "CREATE INDEX notes_incident ON notes (incident, at);"

  /* seq is assigned by bc_event_log_append(), not by SQLite: see bc-event-log.c. */
  "CREATE TABLE events ("
  "  seq  INTEGER PRIMARY KEY CHECK (seq > 0),"
  "  type TEXT NOT NULL CHECK (length (type) > 0),"
  "  at   INTEGER NOT NULL,"
  "  data TEXT NOT NULL CHECK (json_valid (data))"
  ") STRICT;"

  /* Append-only: law-enforcement actions must leave a trace that the application cannot
   * rewrite. RAISE(ABORT) surfaces as SQLITE_CONSTRAINT_TRIGGER. */
  "CREATE TABLE audit ("
  "  id       INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  at       INTEGER NOT NULL,"
  "  username TEXT,"
  "  role     TEXT,"
  "  remote   TEXT,"
  "  action   TEXT NOT NULL CHECK (length (action) > 0),"
  "  target   TEXT,"
  "  detail   TEXT CHECK (detail IS NULL OR json_valid (detail))"
  ") STRICT;"
  "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
  "  BEGIN SELECT RAISE (ABORT, 'audit log is append-only'); END;"
  "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
  "  BEGIN SELECT RAISE (ABORT, 'audit log is append-only'); END;";

/* Reading the audit log by time (GET /audit, reports) and finding available units (dispatch
 * recommendations) without scanning the tables. */
static const char migration_2[] =
  "CREATE INDEX audit_at ON audit (at);"
  "CREATE INDEX units_status ON units (status);";

/* Statistics roll-ups (src/server/bs-stats.c, docs/stats.md). The supervisors' wall asks for
 * counts and response-time percentiles over up to a quarter (and the quarter before it) of a
 * year with ~300,000 incidents; reading the incidents for that takes too long, so triggers keep
 * per-day roll-ups in the same transaction as every change to an incident, whatever writes it
 * (the repo, imports, the simulator, a person with the sqlite3 shell).
 *
 * stats_daily has one row per local day (China Standard Time, UTC+8 without DST; `day` counts
 * days since 1970-01-01 in that time zone), district and type (the filters of the statistics;
 * not priority, which would make four times as many rows to read):
 * - created:   incidents created that day; p1 … p4 split them by priority and `hours` by local
 *   hour of creation;
 * - closed, cancelled: incidents whose closed_at / cancelled_at falls on that day;
 * - dispatch, response: histograms of created→dispatched and created→on_scene durations of the
 *   incidents created that day, in fixed buckets (bs-stats.c has the table; 5 s wide under a
 *   minute up to 2 h wide under a day, one overflow bucket) so that percentiles come from the
 *   roll-ups with a known precision.
 * `hours`, `dispatch` and `response` are JSON objects {"index": count} without zero entries;
 * rows whose counts are all zero are deleted.
 *
 * The logic is written once, in the INSTEAD OF triggers of two views: an incident contributes
 * its row to stats_delta with sign +1 when it appears and -1 when it goes (an UPDATE of a
 * counted column withdraws the old row and adds the new one); stats_delta turns the times into
 * days, hours and buckets and hands them to stats_contribution, which updates stats_daily.
 * Bulk writers may instead add their own aggregates to stats_daily (bs-history.c does, with a
 * test that holds it to these triggers).
 *
 * The macros below are part of migration 3's text: never change them (a later migration that
 * needs other expressions gets its own). */
#define STATS_LOCAL_DAY(t)  "(((" t ") + 28800000000) / 86400000000)"
#define STATS_LOCAL_HOUR(t) "(((" t ") + 28800000000) / 3600000000 % 24)"
/* Seconds (truncated) from created_at to @t, put into bucket 0…93. */
#define STATS_SECONDS(t) "((NEW." t " - NEW.created_at) / 1000000)"
#define STATS_BUCKET(t) \
  "CASE WHEN NEW." t " IS NULL THEN NULL" \
  "     WHEN " STATS_SECONDS (t) " < 60 THEN max (" STATS_SECONDS (t) ", 0) / 5" \
  "     WHEN " STATS_SECONDS (t) " < 300 THEN 12 + (" STATS_SECONDS (t) " - 60) / 10" \
  "     WHEN " STATS_SECONDS (t) " < 900 THEN 36 + (" STATS_SECONDS (t) " - 300) / 30" \
  "     WHEN " STATS_SECONDS (t) " < 1800 THEN 56 + (" STATS_SECONDS (t) " - 900) / 60" \
  "     WHEN " STATS_SECONDS (t) " < 3600 THEN 71 + (" STATS_SECONDS (t) " - 1800) / 300" \
  "     WHEN " STATS_SECONDS (t) " < 14400 THEN 77 + (" STATS_SECONDS (t) " - 3600) / 1800" \
  "     WHEN " STATS_SECONDS (t) " < 86400 THEN 83 + (" STATS_SECONDS (t) " - 14400) / 7200" \
  "     ELSE 93 END"
/* Adds NEW.sign to entry @key of the JSON object in column @col, dropping it when it is 0. */
#define STATS_JSON_PATH(key) "'$.\"' || " key " || '\"'"
#define STATS_HIST_ADD(col, key) \
  "CASE WHEN coalesce (json_extract (" col ", " STATS_JSON_PATH (key) "), 0) + NEW.sign = 0" \
  "     THEN json_remove (" col ", " STATS_JSON_PATH (key) ")" \
  "     ELSE json_set (" col ", " STATS_JSON_PATH (key) "," \
  "                    coalesce (json_extract (" col ", " STATS_JSON_PATH (key) "), 0) + NEW.sign)" \
  "     END"
#define STATS_KEY_MATCH "district = NEW.district AND type = NEW.type"

static const char migration_3[] =
  "CREATE TABLE stats_daily ("
  "  day       INTEGER NOT NULL,"
  "  district  TEXT NOT NULL,"
  "  type      TEXT NOT NULL,"
  "  created   INTEGER NOT NULL DEFAULT 0,"
  "  p1        INTEGER NOT NULL DEFAULT 0,"
  "  p2        INTEGER NOT NULL DEFAULT 0,"
  "  p3        INTEGER NOT NULL DEFAULT 0,"
  "  p4        INTEGER NOT NULL DEFAULT 0,"
  "  closed    INTEGER NOT NULL DEFAULT 0,"
  "  cancelled INTEGER NOT NULL DEFAULT 0,"
  "  hours     TEXT NOT NULL DEFAULT '{}',"
  "  dispatch  TEXT NOT NULL DEFAULT '{}',"
  "  response  TEXT NOT NULL DEFAULT '{}',"
  "  PRIMARY KEY (day, district, type)"
  ") STRICT, WITHOUT ROWID;"

  /* Views only for their INSTEAD OF triggers; they never return rows. */
  "CREATE VIEW stats_delta AS"
  "  SELECT 0 AS sign, created_at, dispatched_at, on_scene_at, closed_at, cancelled_at,"
  "         district, type, priority"
  "  FROM incidents WHERE 0;"
  "CREATE VIEW stats_contribution AS"
  "  SELECT 0 AS sign, 0 AS day, 0 AS hour, district, type, priority,"
  "         0 AS dispatch_bucket, 0 AS response_bucket, 0 AS closed_day, 0 AS cancelled_day"
  "  FROM incidents WHERE 0;"

  "CREATE TRIGGER stats_delta_apply INSTEAD OF INSERT ON stats_delta BEGIN"
  "  INSERT INTO stats_contribution VALUES ("
  "    NEW.sign, " STATS_LOCAL_DAY ("NEW.created_at") ", " STATS_LOCAL_HOUR ("NEW.created_at") ","
  "    NEW.district, NEW.type, NEW.priority,"
  "    " STATS_BUCKET ("dispatched_at") ", " STATS_BUCKET ("on_scene_at") ","
  "    " STATS_LOCAL_DAY ("NEW.closed_at") ", " STATS_LOCAL_DAY ("NEW.cancelled_at") ");"
  "END;"

  "CREATE TRIGGER stats_contribution_apply INSTEAD OF INSERT ON stats_contribution BEGIN"
  "  INSERT OR IGNORE INTO stats_daily (day, district, type)"
  "    VALUES (NEW.day, NEW.district, NEW.type);"
  "  UPDATE stats_daily SET"
  "    created = created + NEW.sign,"
  "    p1 = p1 + NEW.sign * (NEW.priority = 1),"
  "    p2 = p2 + NEW.sign * (NEW.priority = 2),"
  "    p3 = p3 + NEW.sign * (NEW.priority = 3),"
  "    p4 = p4 + NEW.sign * (NEW.priority = 4),"
  "    hours = " STATS_HIST_ADD ("hours", "NEW.hour") ","
  "    dispatch = CASE WHEN NEW.dispatch_bucket IS NULL THEN dispatch"
  "               ELSE " STATS_HIST_ADD ("dispatch", "NEW.dispatch_bucket") " END,"
  "    response = CASE WHEN NEW.response_bucket IS NULL THEN response"
  "               ELSE " STATS_HIST_ADD ("response", "NEW.response_bucket") " END"
  "  WHERE day = NEW.day AND " STATS_KEY_MATCH ";"
  "  INSERT OR IGNORE INTO stats_daily (day, district, type)"
  "    SELECT NEW.closed_day, NEW.district, NEW.type"
  "    WHERE NEW.closed_day IS NOT NULL;"
  "  UPDATE stats_daily SET closed = closed + NEW.sign"
  "  WHERE NEW.closed_day IS NOT NULL AND day = NEW.closed_day AND " STATS_KEY_MATCH ";"
  "  INSERT OR IGNORE INTO stats_daily (day, district, type)"
  "    SELECT NEW.cancelled_day, NEW.district, NEW.type"
  "    WHERE NEW.cancelled_day IS NOT NULL;"
  "  UPDATE stats_daily SET cancelled = cancelled + NEW.sign"
  "  WHERE NEW.cancelled_day IS NOT NULL AND day = NEW.cancelled_day AND " STATS_KEY_MATCH ";"
  "  DELETE FROM stats_daily"
  "  WHERE NEW.sign < 0 AND day IN (NEW.day, NEW.closed_day, NEW.cancelled_day)"
  "    AND " STATS_KEY_MATCH " AND created = 0 AND closed = 0 AND cancelled = 0;"
  "END;"

  "CREATE TRIGGER incidents_stats_insert AFTER INSERT ON incidents BEGIN"
  "  INSERT INTO stats_delta VALUES ("
  "    1, NEW.created_at, NEW.dispatched_at, NEW.on_scene_at, NEW.closed_at, NEW.cancelled_at,"
  "    NEW.district, NEW.type, NEW.priority);"
  "END;"
  /* The repo writes every column on every update; only changes that move a count matter. */
  "CREATE TRIGGER incidents_stats_update"
  "  AFTER UPDATE OF created_at, dispatched_at, on_scene_at, closed_at, cancelled_at, district,"
  "                  type, priority ON incidents"
  "  WHEN OLD.created_at IS NOT NEW.created_at OR OLD.dispatched_at IS NOT NEW.dispatched_at"
  "    OR OLD.on_scene_at IS NOT NEW.on_scene_at OR OLD.closed_at IS NOT NEW.closed_at"
  "    OR OLD.cancelled_at IS NOT NEW.cancelled_at OR OLD.district IS NOT NEW.district"
  "    OR OLD.type IS NOT NEW.type OR OLD.priority IS NOT NEW.priority"
  " BEGIN"
  "  INSERT INTO stats_delta VALUES ("
  "    -1, OLD.created_at, OLD.dispatched_at, OLD.on_scene_at, OLD.closed_at, OLD.cancelled_at,"
  "    OLD.district, OLD.type, OLD.priority);"
  "  INSERT INTO stats_delta VALUES ("
  "    1, NEW.created_at, NEW.dispatched_at, NEW.on_scene_at, NEW.closed_at, NEW.cancelled_at,"
  "    NEW.district, NEW.type, NEW.priority);"
  "END;"
  "CREATE TRIGGER incidents_stats_delete AFTER DELETE ON incidents BEGIN"
  "  INSERT INTO stats_delta VALUES ("
  "    -1, OLD.created_at, OLD.dispatched_at, OLD.on_scene_at, OLD.closed_at, OLD.cancelled_at,"
  "    OLD.district, OLD.type, OLD.priority);"
  "END;"

  /* Backfill: the incidents written at version 2, through the same triggers. */
  "INSERT INTO stats_delta"
  "  SELECT 1, created_at, dispatched_at, on_scene_at, closed_at, cancelled_at, district, type,"
  "         priority"
  "  FROM incidents;";

static const char *const server_migrations[] = {
  migration_1,
  migration_2,
  migration_3,
};

static const BcStoreSchema server_schema = {
  .name = BC_SERVER_SCHEMA_NAME,
  .migrations = server_migrations,
  .n_migrations = G_N_ELEMENTS (server_migrations),
};

const BcStoreSchema *
bc_server_schema (void)
{
  return &server_schema;
}
