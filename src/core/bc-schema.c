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

static const char *const server_migrations[] = {
  migration_1,
  migration_2,
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
