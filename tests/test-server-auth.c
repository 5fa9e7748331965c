/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <string.h>

#include "server-fixture.h"

#define N_ROLES 5

static const BcRole roles[N_ROLES] = {
  BC_ROLE_DISPATCHER, BC_ROLE_SUPERVISOR, BC_ROLE_TRAINER, BC_ROLE_ADMIN, BC_ROLE_UNIT,
};

typedef struct
{
  ServerFixture f;
  char         *tokens[N_ROLES];
  gint64        incident;
  gint64        unit;
  gint64        order;
} Matrix;

static const char *
token_of (Matrix *m,
          BcRole  role)
{
  for (guint i = 0; i < N_ROLES; i++)
    if (roles[i] == role)
      return m->tokens[i];
  g_assert_not_reached ();
}

static void
matrix_setup (Matrix        *m,
              gconstpointer  data)
{
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TestReply) order = NULL;

  server_fixture_setup (&m->f, data);
  m->unit = fixture_add_unit (&m->f, "东宝巡01", 31.04, 112.20);
  fixture_add_unit (&m->f, "东宝巡02", 31.05, 112.21);
  for (guint i = 0; i < N_ROLES; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s1", bc_role_to_string (roles[i]));
      m->tokens[i] = fixture_user_token (&m->f, name, roles[i],
                                         roles[i] == BC_ROLE_UNIT ? "东宝巡01" : NULL);
    }
  fixture_add_user (&m->f, "matrixlogin", BC_ROLE_SUPERVISOR, NULL, TEST_PASSWORD);

  m->incident = fixture_create_incident (&m->f, token_of (m, BC_ROLE_DISPATCHER), 31.04, 112.20);
  path = g_strdup_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/dispatch", m->incident);
  body = g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT "]}", m->unit);
  order = fixture_http (&m->f, "POST", path, token_of (m, BC_ROLE_DISPATCHER), body,
                        "Idempotency-Key", "matrix-order", NULL);
  assert_reply (order, 201, NULL);
  m->order = json_object_get_int_member (test_reply_object (order), "id");
}

static void
matrix_teardown (Matrix        *m,
                 gconstpointer  data)
{
  for (guint i = 0; i < N_ROLES; i++)
    g_free (m->tokens[i]);
  server_fixture_teardown (&m->f, data);
}

/* ---- The role matrix ---------------------------------------------------------------------- */

/* Placeholders in paths and bodies: {I} incident, {U} the unit of the unit-role user, {O} the
 * order to that unit, {AT} now as RFC 3339, {R} the role's name. */
typedef struct
{
  const char *method;
  const char *pattern;           /* the route as the server's table names it */
  const char *path;
  const char *body;
  const char *idempotency_key;
  gboolean    fresh_token;       /* DELETE /session: use a token of its own */
  guint       expected[N_ROLES]; /* dispatcher, supervisor, trainer, admin, unit */
} Cell;

static const Cell matrix[] = {
  { "GET", "/api/v1/health", "/api/v1/health", NULL, NULL, FALSE,
    { 200, 200, 200, 200, 200 } },
  { "POST", "/api/v1/session", "/api/v1/session",
    "{\"username\":\"matrixlogin\",\"password\":\"" TEST_PASSWORD "\"}", NULL, FALSE,
    { 200, 200, 200, 200, 200 } },
  { "GET", "/api/v1/session", "/api/v1/session", NULL, NULL, FALSE,
    { 200, 200, 200, 200, 200 } },
  { "DELETE", "/api/v1/session", "/api/v1/session", NULL, NULL, TRUE,
    { 204, 204, 204, 204, 204 } },
  { "GET", "/api/v1/snapshot", "/api/v1/snapshot", NULL, NULL, FALSE,
    { 200, 200, 200, 403, 403 } },
  { "GET", "/api/v1/incidents", "/api/v1/incidents", NULL, NULL, FALSE,
    { 200, 200, 200, 403, 403 } },
  { "POST", "/api/v1/incidents", "/api/v1/incidents",
    "{\"type\":\"dispute\",\"priority\":3,\"location\":{\"lat\":31.03,\"lon\":112.2},"
    "\"address\":\"竹园路\"}", NULL, FALSE,
    { 201, 403, 201, 403, 403 } },
  { "GET", "/api/v1/incidents/{id}", "/api/v1/incidents/{I}", NULL, NULL, FALSE,
    { 200, 200, 200, 403, 403 } },
  { "PATCH", "/api/v1/incidents/{id}", "/api/v1/incidents/{I}",
    "{\"version\":999,\"priority\":3}", NULL, FALSE,
    { 409, 403, 409, 403, 403 } },
  { "GET", "/api/v1/incidents/{id}/notes", "/api/v1/incidents/{I}/notes", NULL, NULL, FALSE,
    { 200, 200, 200, 403, 403 } },
  { "POST", "/api/v1/incidents/{id}/notes", "/api/v1/incidents/{I}/notes",
    "{\"text\":\"{R} 的备注\"}", NULL, FALSE,
    { 201, 201, 201, 403, 403 } },
  { "GET", "/api/v1/incidents/{id}/recommendations", "/api/v1/incidents/{I}/recommendations",
    NULL, NULL, FALSE,
    { 200, 200, 200, 403, 403 } },
  /* The matrix order again: an idempotent replay, so every allowed role gets 201. */
  { "POST", "/api/v1/incidents/{id}/dispatch", "/api/v1/incidents/{I}/dispatch",
    "{\"units\":[{U}]}", "matrix-order", FALSE,
    { 201, 403, 201, 403, 403 } },
  { "GET", "/api/v1/incidents/{id}/orders", "/api/v1/incidents/{I}/orders", NULL, NULL, FALSE,
    { 200, 200, 200, 403, 403 } },
  { "GET", "/api/v1/orders/{id}", "/api/v1/orders/{O}", NULL, NULL, FALSE,
    { 200, 200, 200, 403, 200 } },
  { "POST", "/api/v1/orders/{id}/ack", "/api/v1/orders/{O}/ack",
    "{\"unit\":{U},\"accepted\":true}", NULL, FALSE,
    { 200, 403, 200, 403, 200 } },
  { "GET", "/api/v1/units", "/api/v1/units", NULL, NULL, FALSE,
    { 200, 200, 200, 403, 403 } },
  { "GET", "/api/v1/units/{id}", "/api/v1/units/{U}", NULL, NULL, FALSE,
    { 200, 200, 200, 403, 200 } },
  { "PATCH", "/api/v1/units/{id}", "/api/v1/units/{U}",
    "{\"status\":\"off_duty\",\"version\":999}", NULL, FALSE,
    { 409, 403, 409, 403, 409 } },
  { "POST", "/api/v1/avl", "/api/v1/avl",
    "[{\"unit\":{U},\"lat\":31.041,\"lon\":112.201,\"heading\":10,\"speed\":5,\"at\":\"{AT}\"}]",
    NULL, FALSE,
    { 403, 403, 403, 403, 200 } },
  { "GET", "/api/v1/cameras", "/api/v1/cameras?bbox=112.1,31.0,112.3,31.1", NULL, NULL, FALSE,
    { 200, 200, 200, 403, 403 } },
  { "GET", "/api/v1/cameras/near", "/api/v1/cameras/near?lat=31.04&lon=112.2", NULL, NULL,
    FALSE,
    { 200, 200, 200, 403, 403 } },
  { "GET", "/api/v1/stats/summary", "/api/v1/stats/summary?period=day", NULL, NULL, FALSE,
    { 200, 200, 200, 200, 403 } },
  { "GET", "/api/v1/audit", "/api/v1/audit", NULL, NULL, FALSE,
    { 403, 200, 403, 200, 403 } },
  { "POST", "/api/v1/sim/control", "/api/v1/sim/control", "{\"action\":\"pause\"}", NULL, FALSE,
    { 403, 403, 501, 403, 403 } },
  /* No simulator runs in this server (test-simulator.c covers --demo). */
  { "GET", "/api/v1/sim/state", "/api/v1/sim/state", NULL, NULL, FALSE,
    { 501, 501, 501, 403, 403 } },
  { "GET", "/api/v1/sim/report", "/api/v1/sim/report", NULL, NULL, FALSE,
    { 501, 501, 501, 403, 403 } },
  /* Plain HTTP to the WebSocket: allowed roles get past auth to "websocket_required". */
  { "GET", "/api/v1/events", "/api/v1/events?since=0", NULL, NULL, FALSE,
    { 400, 400, 400, 403, 403 } },
  { "GET", "/api/v1/users", "/api/v1/users", NULL, NULL, FALSE,
    { 403, 403, 403, 200, 403 } },
  { "POST", "/api/v1/users", "/api/v1/users",
    "{\"username\":\"new-{R}\",\"role\":\"dispatcher\",\"password\":\"" TEST_PASSWORD "\"}",
    NULL, FALSE,
    { 403, 403, 403, 201, 403 } },
};

static char *
expand (Matrix     *m,
        const char *text,
        BcRole      role)
{
  g_autoptr(GString) s = g_string_new (text);
  g_autofree char *incident = g_strdup_printf ("%" G_GINT64_FORMAT, m->incident);
  g_autofree char *unit = g_strdup_printf ("%" G_GINT64_FORMAT, m->unit);
  g_autofree char *order = g_strdup_printf ("%" G_GINT64_FORMAT, m->order);
  g_autofree char *at = bc_time_format (bc_time_now ());

  if (text == NULL)
    return NULL;
  g_string_replace (s, "{I}", incident, 0);
  g_string_replace (s, "{U}", unit, 0);
  g_string_replace (s, "{O}", order, 0);
  g_string_replace (s, "{AT}", at, 0);
  g_string_replace (s, "{R}", bc_role_to_string (role), 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_role_matrix (Matrix        *m,
                  gconstpointer  data)
{
  guint n_routes;
  const BsRouteInfo *routes = bs_server_get_routes (&n_routes);

  /* Every route of the server's table has its row here, and no row is invented. */
  for (guint r = 0; r < n_routes; r++)
    {
      gboolean found = FALSE;

      for (guint c = 0; c < G_N_ELEMENTS (matrix); c++)
        found |= strcmp (matrix[c].method, routes[r].method) == 0 &&
                 strcmp (matrix[c].pattern, routes[r].pattern) == 0;
      if (!found)
        g_error ("route %s %s has no row in the role matrix test", routes[r].method,
                 routes[r].pattern);
    }
  g_assert_cmpuint (n_routes, ==, G_N_ELEMENTS (matrix));

  for (guint c = 0; c < G_N_ELEMENTS (matrix); c++)
    {
      const Cell *cell = &matrix[c];

      for (guint r = 0; r < N_ROLES; r++)
        {
          g_autofree char *path = expand (m, cell->path, roles[r]);
          g_autofree char *body = expand (m, cell->body, roles[r]);
          g_autofree char *fresh = NULL;
          g_autoptr(TestReply) reply = NULL;
          const char *token = m->tokens[r];

          if (cell->fresh_token)
            {
              g_autofree char *name = g_strdup_printf ("%s1", bc_role_to_string (roles[r]));
              token = fresh = fixture_login (&m->f, name, TEST_PASSWORD);
            }

          reply = fixture_http (&m->f, cell->method, path, token, body,
                                cell->idempotency_key != NULL ? "Idempotency-Key" : NULL,
                                cell->idempotency_key, NULL);
          if (reply->status != cell->expected[r])
            g_error ("%s %s as %s: expected %u, got %u: %.*s", cell->method, path,
                     bc_role_to_string (roles[r]), cell->expected[r], reply->status,
                     (int) g_bytes_get_size (reply->body),
                     (const char *) g_bytes_get_data (reply->body, NULL));
          if (reply->status == 403)
            g_assert_cmpstr (test_reply_error_code (reply), ==, "forbidden");
        }
    }
}

static void
test_no_token (Matrix        *m,
               gconstpointer  data)
{
  guint n_routes;
  const BsRouteInfo *routes = bs_server_get_routes (&n_routes);

  for (guint c = 0; c < G_N_ELEMENTS (matrix); c++)
    {
      g_autofree char *path = expand (m, matrix[c].path, BC_ROLE_DISPATCHER);
      g_autofree char *body = expand (m, matrix[c].body, BC_ROLE_DISPATCHER);
      g_autoptr(TestReply) none = NULL;
      g_autoptr(TestReply) bogus = NULL;
      gboolean is_public = FALSE;

      for (guint r = 0; r < n_routes; r++)
        if (strcmp (matrix[c].method, routes[r].method) == 0 &&
            strcmp (matrix[c].pattern, routes[r].pattern) == 0)
          is_public = routes[r].is_public;
      if (is_public)
        continue;

      none = fixture_http (&m->f, matrix[c].method, path, NULL, body, NULL);
      assert_reply (none, 401, "unauthorized");
      g_assert_nonnull (test_reply_header (none, "WWW-Authenticate"));
      bogus = fixture_http (&m->f, matrix[c].method, path, "not-a-token", body, NULL);
      assert_reply (bogus, 401, "unauthorized");
    }
}

/* ---- Login, tokens, logout ---------------------------------------------------------------- */

static TestReply *
login (ServerFixture *f,
       const char    *username,
       const char    *password)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}",
                                           username, password);
  return fixture_http (f, "POST", "/api/v1/session", NULL, body, NULL);
}

static void
test_login (ServerFixture *f,
            gconstpointer  data)
{
  g_autoptr(TestReply) ok = NULL;
  g_autoptr(TestReply) wrong = NULL;
  g_autoptr(TestReply) unknown = NULL;
  g_autoptr(TestReply) malformed = NULL;
  g_autoptr(TestReply) missing = NULL;
  JsonObject *session;
  const char *token;

  fixture_add_user (f, "disp1", BC_ROLE_DISPATCHER, "调度员一", TEST_PASSWORD);

  ok = login (f, "disp1", TEST_PASSWORD);
  assert_reply (ok, 200, NULL);
  session = test_reply_object (ok);
  token = json_object_get_string_member (session, "token");
  /* 32 random bytes in unpadded base64url */
  g_assert_cmpuint (strlen (token), ==, 43);
  g_assert_cmpstr (json_object_get_string_member (session, "role"), ==, "dispatcher");
  g_assert_cmpstr (json_object_get_string_member (session, "username"), ==, "disp1");
  g_assert_nonnull (json_object_get_string_member (session, "expires_at"));

  /* Only the token's SHA-256 is stored. */
  g_assert_cmpint (fixture_count (f, "SELECT count(*) FROM sessions WHERE length (token_hash) = 64"),
                   ==, 1);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sessions WHERE token_hash = '%s'",
                                            token);
    g_assert_cmpint (fixture_count (f, sql), ==, 0);
  }
  g_assert_cmpint (fixture_count (f, "SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%'"),
                   ==, 1);

  wrong = login (f, "disp1", "wrong password");
  assert_reply (wrong, 401, "unauthorized");
  unknown = login (f, "nobody", TEST_PASSWORD);
  assert_reply (unknown, 401, "unauthorized");
  malformed = fixture_http (f, "POST", "/api/v1/session", NULL, "{\"username\":", NULL);
  assert_reply (malformed, 400, "malformed_json");
  missing = fixture_http (f, "POST", "/api/v1/session", NULL, "{\"username\":\"disp1\"}", NULL);
  assert_reply (missing, 400, "invalid_field");
}

static void
test_session_get (ServerFixture *f,
                  gconstpointer  data)
{
  g_autofree char *token = fixture_user_token (f, "super1", BC_ROLE_SUPERVISOR, "值班长");
  g_autoptr(TestReply) reply = fixture_http (f, "GET", "/api/v1/session", token, NULL, NULL);

  assert_reply (reply, 200, NULL);
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (reply), "username"), ==,
                   "super1");
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (reply), "role"), ==,
                   "supervisor");
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (reply), "display_name"), ==,
                   "值班长");
  g_assert_false (json_object_has_member (test_reply_object (reply), "token"));
}

static void
tune_rate_limit (BsConfig *config)
{
  config->login_max_failures = 5;
  config->login_window_s = 2;
}

static void
test_rate_limit_username (ServerFixture *f,
                          gconstpointer  data)
{
  g_autoptr(TestReply) blocked = NULL;
  g_autoptr(TestReply) blocked_right = NULL;
  g_autoptr(TestReply) later = NULL;

  fixture_add_user (f, "disp1", BC_ROLE_DISPATCHER, NULL, TEST_PASSWORD);

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(TestReply) wrong = login (f, "disp1", "guess");
      assert_reply (wrong, 401, "unauthorized");
    }

  blocked = login (f, "disp1", "guess");
  assert_reply (blocked, 429, "too_many_attempts");
  /* The right password does not get through while the limit holds. */
  blocked_right = login (f, "disp1", TEST_PASSWORD);
  assert_reply (blocked_right, 429, "too_many_attempts");

  /* Failures leave the window after login-window seconds. */
  g_usleep (2100 * 1000);
  later = login (f, "disp1", TEST_PASSWORD);
  assert_reply (later, 200, NULL);
}

static void
test_rate_limit_address (ServerFixture *f,
                         gconstpointer  data)
{
  g_autoptr(TestReply) blocked = NULL;

  fixture_add_user (f, "disp1", BC_ROLE_DISPATCHER, NULL, TEST_PASSWORD);

  /* Five different names from one address: the address is limited, whoever it claims to be. */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("guess%u", i);
      g_autoptr(TestReply) wrong = login (f, name, "guess");
      assert_reply (wrong, 401, "unauthorized");
    }

  blocked = login (f, "disp1", TEST_PASSWORD);
  assert_reply (blocked, 429, "too_many_attempts");
  g_assert_cmpint (fixture_count (f, "SELECT count(*) FROM audit WHERE action = 'session.login_failed'"),
                   ==, 5);
}

static void
tune_short_tokens (BsConfig *config)
{
  config->token_lifetime_s = 1;
}

static void
test_token_expiry (ServerFixture *f,
                   gconstpointer  data)
{
  g_autofree char *token = fixture_user_token (f, "disp1", BC_ROLE_DISPATCHER, NULL);
  g_autoptr(TestReply) fresh = fixture_http (f, "GET", "/api/v1/session", token, NULL, NULL);
  g_autoptr(TestReply) expired = NULL;
  g_autoptr(TestReply) unknown = NULL;

  assert_reply (fresh, 200, NULL);
  g_usleep (1200 * 1000);

  expired = fixture_http (f, "GET", "/api/v1/incidents", token, NULL, NULL);
  assert_reply (expired, 401, "token_expired");
  g_assert_nonnull (strstr (test_reply_header (expired, "WWW-Authenticate"), "invalid_token"));
  /* A token that never existed is a different answer. */
  unknown = fixture_http (f, "GET", "/api/v1/incidents",
                          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL);
  assert_reply (unknown, 401, "unauthorized");
}

static void
tune_sliding_tokens (BsConfig *config)
{
  config->token_lifetime_s = 2;
  config->token_sliding = TRUE;
}

static void
test_token_sliding (ServerFixture *f,
                    gconstpointer  data)
{
  g_autofree char *token = fixture_user_token (f, "disp1", BC_ROLE_DISPATCHER, NULL);
  g_autoptr(TestReply) expired = NULL;

  /* Used every 0.7 s, a 2 s token stays valid for 3.5 s... */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(TestReply) reply = NULL;

      g_usleep (700 * 1000);
      reply = fixture_http (f, "GET", "/api/v1/session", token, NULL, NULL);
      assert_reply (reply, 200, NULL);
    }

  /* ...and expires 2 s after its last use. */
  g_usleep (2200 * 1000);
  expired = fixture_http (f, "GET", "/api/v1/session", token, NULL, NULL);
  assert_reply (expired, 401, "token_expired");
}

static void
test_logout (ServerFixture *f,
             gconstpointer  data)
{
  g_autofree char *token = fixture_user_token (f, "disp1", BC_ROLE_DISPATCHER, NULL);
  g_autofree char *other = fixture_login (f, "disp1", TEST_PASSWORD);
  g_autoptr(TestReply) out = fixture_http (f, "DELETE", "/api/v1/session", token, NULL, NULL);
  g_autoptr(TestReply) after = fixture_http (f, "GET", "/api/v1/session", token, NULL, NULL);
  g_autoptr(TestReply) still = fixture_http (f, "GET", "/api/v1/session", other, NULL, NULL);
  g_autoptr(TestReply) twice = fixture_http (f, "DELETE", "/api/v1/session", token, NULL, NULL);

  assert_reply (out, 204, NULL);
  assert_reply (after, 401, "unauthorized");
  /* Only that session ended. */
  assert_reply (still, 200, NULL);
  assert_reply (twice, 401, "unauthorized");

  g_assert_cmpint (fixture_count (f, "SELECT count(*) FROM audit WHERE action = 'session.create' "
                                     "AND username = 'disp1' AND role = 'dispatcher' "
                                     "AND remote LIKE '127.0.0.1:%'"), ==, 2);
  g_assert_cmpint (fixture_count (f, "SELECT count(*) FROM audit WHERE action = 'session.delete' "
                                     "AND username = 'disp1' AND role = 'dispatcher' "
                                     "AND remote LIKE '127.0.0.1:%'"), ==, 1);
}

/* ---- Users and audit ---------------------------------------------------------------------- */

static void
test_users (ServerFixture *f,
            gconstpointer  data)
{
  g_autofree char *admin = fixture_user_token (f, "admin1", BC_ROLE_ADMIN, "管理员");
  g_autoptr(TestReply) created = NULL;
  g_autoptr(TestReply) duplicate = NULL;
  g_autoptr(TestReply) bad_name = NULL;
  g_autoptr(TestReply) short_password = NULL;
  g_autoptr(TestReply) bad_role = NULL;
  g_autoptr(TestReply) list = NULL;
  g_autoptr(TestReply) new_login = NULL;
  JsonArray *users;

  created = fixture_http (f, "POST", "/api/v1/users", admin,
                          "{\"username\":\"disp7\",\"role\":\"dispatcher\","
                          "\"display_name\":\"调度员七\",\"password\":\"seven seven seven\"}",
                          NULL);
  assert_reply (created, 201, NULL);
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (created), "role"), ==,
                   "dispatcher");
  g_assert_false (json_object_has_member (test_reply_object (created), "password"));

  duplicate = fixture_http (f, "POST", "/api/v1/users", admin,
                            "{\"username\":\"disp7\",\"role\":\"dispatcher\","
                            "\"password\":\"another password\"}", NULL);
  assert_reply (duplicate, 409, "user_exists");
  bad_name = fixture_http (f, "POST", "/api/v1/users", admin,
                           "{\"username\":\"Disp 8\",\"role\":\"dispatcher\","
                           "\"password\":\"another password\"}", NULL);
  assert_reply (bad_name, 422, "invalid_value");
  short_password = fixture_http (f, "POST", "/api/v1/users", admin,
                                 "{\"username\":\"disp8\",\"role\":\"dispatcher\","
                                 "\"password\":\"short\"}", NULL);
  assert_reply (short_password, 422, "invalid_value");
  bad_role = fixture_http (f, "POST", "/api/v1/users", admin,
                           "{\"username\":\"disp8\",\"role\":\"king\","
                           "\"password\":\"another password\"}", NULL);
  assert_reply (bad_role, 422, "invalid_value");

  list = fixture_http (f, "GET", "/api/v1/users", admin, NULL, NULL);
  assert_reply (list, 200, NULL);
  users = json_object_get_array_member (test_reply_object (list), "users");
  g_assert_cmpuint (json_array_get_length (users), ==, 2);
  g_assert_null (strstr (g_bytes_get_data (list->body, NULL), "argon2"));

  new_login = login (f, "disp7", "seven seven seven");
  assert_reply (new_login, 200, NULL);

  g_assert_cmpint (fixture_count (f, "SELECT count(*) FROM audit WHERE action = 'user.create' "
                                     "AND target = 'user/disp7' AND username = 'admin1' "
                                     "AND role = 'admin' AND remote LIKE '127.0.0.1:%'"), ==, 1);
}

static void
test_audit (ServerFixture *f,
            gconstpointer  data)
{
  g_autofree char *supervisor = fixture_user_token (f, "super1", BC_ROLE_SUPERVISOR, NULL);
  g_autofree char *dispatcher = fixture_user_token (f, "disp1", BC_ROLE_DISPATCHER, NULL);
  g_autoptr(TestReply) first = NULL;
  g_autoptr(TestReply) rest = NULL;
  g_autoptr(TestReply) bad = NULL;
  g_autofree char *rest_path = NULL;
  JsonArray *entries;
  JsonObject *entry;
  gint64 next;
  gint64 total;

  fixture_create_incident (f, dispatcher, 31.03, 112.20);
  total = fixture_count (f, "SELECT count(*) FROM audit");
  g_assert_cmpint (total, >=, 5);

  first = fixture_http (f, "GET", "/api/v1/audit?limit=2", supervisor, NULL, NULL);
  assert_reply (first, 200, NULL);
  entries = json_object_get_array_member (test_reply_object (first), "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  entry = json_array_get_object_element (entries, 0);
  g_assert_true (json_object_has_member (entry, "action"));
  g_assert_true (json_object_has_member (entry, "remote"));
  next = json_object_get_int_member (test_reply_object (first), "next_since");

  rest_path = g_strdup_printf ("/api/v1/audit?since=%" G_GINT64_FORMAT "&limit=1000", next);
  rest = fixture_http (f, "GET", rest_path, supervisor, NULL, NULL);
  assert_reply (rest, 200, NULL);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (test_reply_object (rest),
                                                                        "entries")), ==,
                   total - 2);
  g_assert_true (json_object_get_null_member (test_reply_object (rest), "next_since"));

  /* The incident's creation is there, naming who did it and from where. */
  g_assert_cmpint (fixture_count (f, "SELECT count(*) FROM audit WHERE username = 'disp1' "
                                     "AND role = 'dispatcher' AND remote LIKE '127.0.0.1:%' "
                                     "AND action LIKE 'incident.%'"), ==, 1);

  bad = fixture_http (f, "GET", "/api/v1/audit?limit=-1", supervisor, NULL, NULL);
  assert_reply (bad, 400, "invalid_parameter");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/server/auth/role-matrix", Matrix, NULL, matrix_setup, test_role_matrix,
              matrix_teardown);
  g_test_add ("/server/auth/no-token-401", Matrix, NULL, matrix_setup, test_no_token,
              matrix_teardown);

#define ADD(path, tune, func) \
  g_test_add (path, ServerFixture, (gconstpointer) (tune), server_fixture_setup, func, \
              server_fixture_teardown)

  ADD ("/server/auth/login", NULL, test_login);
  ADD ("/server/auth/session", NULL, test_session_get);
  ADD ("/server/auth/rate-limit/username", tune_rate_limit, test_rate_limit_username);
  ADD ("/server/auth/rate-limit/address", tune_rate_limit, test_rate_limit_address);
  ADD ("/server/auth/token/expired", tune_short_tokens, test_token_expiry);
  ADD ("/server/auth/token/sliding", tune_sliding_tokens, test_token_sliding);
  ADD ("/server/auth/logout", NULL, test_logout);
  ADD ("/server/auth/users", NULL, test_users);
  ADD ("/server/auth/audit", NULL, test_audit);

#undef ADD

  return g_test_run ();
}
