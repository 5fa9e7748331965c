/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A real beacon-server for tests and benchmarks: a BsServer on 127.0.0.1 (port 0) in its own
 * thread with its own GMainContext, over a real SQLite file in a temporary directory, and a
 * SoupSession on the calling thread to talk to it. Helpers that touch the server's objects
 * run in the server's thread (server_fixture_call). */

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "bc-model.h"
#include "bs-config.h"
#include "bs-repo.h"
#include "bs-server.h"

G_BEGIN_DECLS

typedef struct
{
  char         *dir;
  char         *db_path;
  BsConfig     *config;

  GThread      *thread;
  GMainContext *context;      /* the server's */
  GMainLoop    *loop;
  BcStore      *store;        /* server-thread objects */
  BsRepo       *repo;
  BsServer     *server;

  char         *base_uri;
  guint16       port;
  SoupSession  *session;      /* the test thread's */

  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  char         *start_error;
} ServerFixture;

/* Tweaks applied to the test configuration before the server starts. */
typedef void (*ServerFixtureTune) (BsConfig *config);

/* A configuration for tests: cheap password hashes (opslimit/memlimit minimum), loopback. */
BsConfig      *server_fixture_test_config  (void);

/* For g_test_add: @data is NULL or a ServerFixtureTune. */
void           server_fixture_setup        (ServerFixture *f,
                                            gconstpointer  data);
void           server_fixture_teardown     (ServerFixture *f,
                                            gconstpointer  data);

/* Starts with @config (consumed; NULL: the test config) on @db_dir (NULL: a new temp dir). */
void           server_fixture_start        (ServerFixture *f,
                                            BsConfig      *config);
void           server_fixture_stop         (ServerFixture *f);

typedef void (*ServerFixtureFunc) (ServerFixture *f,
                                   gpointer       data);
/* Runs @func in the server's thread and waits for it. */
void           server_fixture_call         (ServerFixture     *f,
                                            ServerFixtureFunc  func,
                                            gpointer           data);

void           fixture_add_user            (ServerFixture *f,
                                            const char    *username,
                                            BcRole         role,
                                            const char    *display_name,
                                            const char    *password);
gint64         fixture_add_unit            (ServerFixture *f,
                                            const char    *call_sign,
                                            double         lat,
                                            double         lon);
gint64         fixture_last_seq            (ServerFixture *f);
gint64         fixture_count               (ServerFixture *f,
                                            const char    *sql);
/* bs_history_seed() of @days days with @seed, ending at @end_us (0: now), in the server's
 * thread; asserts that it worked. */
void           fixture_seed_history        (ServerFixture *f,
                                            guint          days,
                                            guint64        seed,
                                            gint64         end_us);

typedef struct
{
  guint               status;
  SoupMessage        *msg;
  GBytes             *body;
  JsonNode           *json;    /* NULL when the body is not JSON */
} TestReply;

void           test_reply_free             (TestReply     *reply);
/* JSON of a byte buffer that need not be NUL-terminated; NULL when it is not JSON. */
JsonNode      *test_parse_json             (const char    *data,
                                            gsize          length);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestReply, test_reply_free)

const char    *test_reply_error_code       (TestReply     *reply);
JsonObject    *test_reply_object           (TestReply     *reply);
const char    *test_reply_header           (TestReply     *reply,
                                            const char    *name);

/* A request on the test thread's session. Extra headers are NULL-terminated name/value pairs. */
TestReply     *fixture_http                (ServerFixture *f,
                                            const char    *method,
                                            const char    *path,
                                            const char    *token,
                                            const char    *body,
                                            ...) G_GNUC_NULL_TERMINATED;
TestReply     *fixture_http_bytes          (ServerFixture *f,
                                            const char    *method,
                                            const char    *path,
                                            const char    *token,
                                            GBytes        *body,
                                            const char    *const *headers);
char          *fixture_login               (ServerFixture *f,
                                            const char    *username,
                                            const char    *password);
/* Adds a user and logs in as it; returns the token. */
char          *fixture_user_token          (ServerFixture *f,
                                            const char    *username,
                                            BcRole         role,
                                            const char    *display_name);
gint64         fixture_create_incident     (ServerFixture *f,
                                            const char    *token,
                                            double         lat,
                                            double         lon);

/* Opens the event WebSocket (iterating the calling thread's default context). */
SoupWebsocketConnection *fixture_ws_connect (ServerFixture *f,
                                             const char    *token,
                                             gint64         since,
                                             GError       **error);

SoupWebsocketConnection *fixture_ws_connect_path (ServerFixture *f,
                                                  const char    *path,
                                                  const char    *token,
                                                  GError       **error);

typedef gboolean (*FixtureCondition) (gpointer data);
/* Iterates the default main context until @cond holds or @timeout_ms passes. */
gboolean       fixture_wait                (FixtureCondition cond,
                                            gpointer         data,
                                            guint            timeout_ms);

#define TEST_PASSWORD "correct horse battery"

G_END_DECLS

G_BEGIN_DECLS

void fixture_assert_reply_impl (TestReply  *reply,
                                guint       status,
                                const char *code,
                                const char *file,
                                int         line);

/* Asserts the status and, unless NULL, the API error code; prints the body when they differ. */
#define assert_reply(reply, status, code) \
  fixture_assert_reply_impl ((reply), (status), (code), __FILE__, __LINE__)

G_END_DECLS
