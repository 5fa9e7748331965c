/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "bk-analysis-window.h"
#include "bk-application.h"
#include "bk-window.h"
#include "bs-history.h"
#include "server-fixture.h"
#include "ui-helpers.h"

/*
 * The analysis view (态势分析) against a real beacon-server: a BsServer in its own thread over a
 * SQLite file seeded with 120 days of synthetic history plus a few live incidents, the real
 * BkApplication and its main window under Xvfb. Every number the view shows is compared with a
 * brute-force count over the incidents table of the server's database, not with the server's
 * own roll-ups. The tests share one server and one application; each can also run alone.
 */

#define WAIT_MS 30000
#define HISTORY_DAYS 120
#define DAY_US ((gint64) 86400 * G_USEC_PER_SEC)

typedef struct
{
  ServerFixture  server;
  gboolean       server_started;
  char          *dispatcher_token;

  BkApplication *app;
  BkWindow      *window;
} Analysis;

static Analysis analysis;

/* ---- waiting ---------------------------------------------------------------------------- */

static gboolean
wait_until (FixtureCondition cond,
            gpointer         data)
{
  return fixture_wait (cond, data, WAIT_MS);
}

/* ---- server ----------------------------------------------------------------------------- */

static void
create_live_incident (const char *type,
                      int         priority)
{
  g_autofree char *body = NULL;
  g_autoptr(TestReply) reply = NULL;

  body = g_strdup_printf ("{\"type\":\"%s\",\"priority\":%d,"
                          "\"location\":{\"lat\":31.0355,\"lon\":112.2040},"
                          "\"address\":\"象山大道1号\",\"description\":\"测试\"}",
                          type, priority);
  reply = fixture_http (&analysis.server, "POST", "/api/v1/incidents", analysis.dispatcher_token,
                        body, NULL);
  g_assert_cmpuint (reply->status, ==, 201);
}

static void
ensure_server (void)
{
  /* GTest resets the fatal handler for every test case. */
  ui_rearm_expected_warnings ();

  if (analysis.server_started)
    return;

  server_fixture_start (&analysis.server, NULL);
  analysis.server_started = TRUE;
  fixture_seed_history (&analysis.server, HISTORY_DAYS, 20261124, 0);

  fixture_add_user (&analysis.server, "super1", BC_ROLE_SUPERVISOR, "值班长", TEST_PASSWORD);
  fixture_add_user (&analysis.server, "car01", BC_ROLE_UNIT, "东宝巡01", TEST_PASSWORD);
  analysis.dispatcher_token = fixture_user_token (&analysis.server, "disp1",
                                                  BC_ROLE_DISPATCHER, "调度员一");
  /* Live incidents of today, created without a district. */
  create_live_incident ("traffic", 2);
  create_live_incident ("criminal", 1);
  create_live_incident ("dispute", 3);
}

/* ---- brute force ------------------------------------------------------------------------ */

typedef struct
{
  gint64 start;   /* µs, UTC */
  gint64 end;
  char   first_day[11];
  char   last_day[11];
} Range;

/* The @days local days (UTC+8) ending with @last_day (a date) or today, computed here, not
 * taken from the server's answer; @back periods of the same length earlier. */
static Range
local_range (const char *last_day,
             guint       days,
             guint       back)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);
  g_autoptr(GDateTime) midnight = NULL;
  g_autoptr(GDateTime) first = NULL;
  g_autoptr(GDateTime) last = NULL;
  Range r;
  int y, m, d;

  if (last_day != NULL)
    g_assert_cmpint (sscanf (last_day, "%d-%d-%d", &y, &m, &d), ==, 3);
  else
    g_date_time_get_ymd (now, &y, &m, &d);
  midnight = g_date_time_new (tz, y, m, d, 0, 0, 0);
  r.end = (g_date_time_to_unix (midnight) + 86400) * G_USEC_PER_SEC - (gint64) back * days * DAY_US;
  r.start = r.end - (gint64) days * DAY_US;
  first = g_date_time_new_from_unix_utc (r.start / G_USEC_PER_SEC);
  last = g_date_time_new_from_unix_utc (r.end / G_USEC_PER_SEC - 1);
  {
    g_autoptr(GDateTime) first_local = g_date_time_to_timezone (first, tz);
    g_autoptr(GDateTime) last_local = g_date_time_to_timezone (last, tz);
    g_autofree char *a = g_date_time_format (first_local, "%Y-%m-%d");
    g_autofree char *b = g_date_time_format (last_local, "%Y-%m-%d");

    g_strlcpy (r.first_day, a, sizeof r.first_day);
    g_strlcpy (r.last_day, b, sizeof r.last_day);
  }
  return r;
}

/* Incidents created in @range that match @where (SQL, or NULL). */
static gint64
brute_count (const Range *range,
             const char  *where)
{
  g_autofree char *sql =
    g_strdup_printf ("SELECT count(*) FROM incidents WHERE created_at >= %" G_GINT64_FORMAT
                     " AND created_at < %" G_GINT64_FORMAT "%s%s",
                     range->start, range->end, where != NULL ? " AND " : "",
                     where != NULL ? where : "");

  return fixture_count (&analysis.server, sql);
}

/* ---- the application -------------------------------------------------------------------- */

static gboolean
login_done (gpointer data)
{
  return *(int *) data != 0;
}

static void
login_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  int *state = user_data;

  *state = bc_client_login_finish (BC_CLIENT (object), result, &error) ? 1 : -1;
  g_assert_no_error (error);
}

static BcClient *
login (const char *username)
{
  BcClient *client = bc_client_new (analysis.server.base_uri,
                                    bk_application_get_session (analysis.app));
  int state = 0;

  bc_client_login_async (client, username, TEST_PASSWORD, NULL, login_cb, &state);
  g_assert_true (wait_until (login_done, &state));
  g_assert_cmpint (state, ==, 1);
  return client;
}

static void
ensure_app (void)
{
  g_autoptr(GError) error = NULL;
  GSettings *settings;

  ensure_server ();
  if (analysis.app != NULL)
    return;

  analysis.app = bk_application_new ();
  g_application_register (G_APPLICATION (analysis.app), NULL, &error);
  g_assert_no_error (error);
  ui_add_icon_paths ();
  settings = bk_application_get_settings (analysis.app);
  g_settings_set_int (settings, "window-width", 1280);
  g_settings_set_int (settings, "window-height", 800);

  g_application_activate (G_APPLICATION (analysis.app));
  analysis.window = BK_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (analysis.app)));
  g_assert_true (BK_IS_WINDOW (analysis.window));
}

/* Signs the main window in as @username (no dialog: bk_window_set_client, as the demo does). */
static void
sign_in_as (const char *username)
{
  g_autoptr(BcClient) client = NULL;

  ensure_app ();
  client = login (username);
  bk_window_set_client (analysis.window, client);
  /* A sign-in dialog that the window opened by itself is not needed. */
  if (bk_window_get_login_dialog (analysis.window) != NULL)
    g_signal_emit_by_name (bk_window_get_login_dialog (analysis.window), "quit-requested");
}

typedef struct
{
  BkAnalysisWindow *window;
  guint             answers;
} AnswerWait;

static gboolean
answered (gpointer data)
{
  AnswerWait *wait = data;

  return bk_analysis_window_get_n_answers (wait->window) > wait->answers
         && !bk_analysis_window_get_loading (wait->window);
}

static gboolean
analysis_open (gpointer data)
{
  return bk_window_get_analysis_window (analysis.window) != NULL;
}

/* Opens the view from the main window's action, as the menu item and Ctrl+Shift+A do, and
 * waits for its first answer. */
static BkAnalysisWindow *
open_analysis (void)
{
  BkAnalysisWindow *window;
  AnswerWait wait = { NULL, 0 };

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (analysis.window), "win.analysis", NULL));
  g_assert_true (wait_until (analysis_open, NULL));
  window = BK_ANALYSIS_WINDOW (bk_window_get_analysis_window (analysis.window));
  wait.window = window;
  g_assert_true (wait_until (answered, &wait));
  g_assert_null (bk_analysis_window_get_error_message (window));
  return window;
}

/* Chooses the item labelled @label in the dropdown @id, as a person would, and waits for the
 * answer the change asks for. */
static void
choose (BkAnalysisWindow *window,
        const char       *id,
        const char       *label)
{
  GtkDropDown *dropdown = GTK_DROP_DOWN (ui_find_by_id (GTK_WIDGET (window), id));
  GListModel *model = gtk_drop_down_get_model (dropdown);
  AnswerWait wait = { window, bk_analysis_window_get_n_answers (window) };
  guint requests = bk_analysis_window_get_n_requests (window);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      const char *item = gtk_string_list_get_string (GTK_STRING_LIST (model), i);

      if (g_strcmp0 (item, label) == 0)
        {
          gtk_drop_down_set_selected (dropdown, i);
          g_assert_cmpuint (bk_analysis_window_get_n_requests (window), ==, requests + 1);
          g_assert_true (wait_until (answered, &wait));
          g_assert_null (bk_analysis_window_get_error_message (window));
          return;
        }
    }
  g_error ("no item “%s” in %s", label, id);
}

static void
close_analysis (void)
{
  GtkWindow *window = bk_window_get_analysis_window (analysis.window);

  if (window != NULL)
    gtk_window_destroy (window);
  g_assert_null (bk_window_get_analysis_window (analysis.window));
}

/* ---- checking the table ----------------------------------------------------------------- */

static BkAnalysisRow *
table_row (BkAnalysisWindow *window,
           guint             i)
{
  BkAnalysisRow *row = g_list_model_get_item (bk_analysis_window_get_table (window), i);

  g_assert_nonnull (row);
  g_object_unref (row);  /* the store keeps it */
  return row;
}

/* The table by type equals brute-force counts of this and the previous period, with the
 * filter @where (SQL or NULL). */
static void
assert_type_table (BkAnalysisWindow *window,
                   const Range      *current,
                   const Range      *previous,
                   const char       *where)
{
  GListModel *table = bk_analysis_window_get_table (window);

  g_assert_cmpint (bk_analysis_window_get_table_kind (window), ==, BK_ANALYSIS_TABLE_TYPE);
  g_assert_cmpuint (g_list_model_get_n_items (table), ==, BC_STATS_N_TYPES + 1);
  for (guint i = 0; i <= BC_STATS_N_TYPES; i++)
    {
      BkAnalysisRow *row = table_row (window, i);
      g_autofree char *sql = NULL;

      if (i < BC_STATS_N_TYPES)
        {
          g_assert_cmpstr (bk_analysis_row_get_label (row), ==,
                           bc_incident_type_label ((BcIncidentType) i));
          g_assert_false (bk_analysis_row_get_is_total (row));
          sql = g_strdup_printf ("type = '%s'%s%s", bc_incident_type_to_string ((BcIncidentType) i),
                                 where != NULL ? " AND " : "", where != NULL ? where : "");
        }
      else
        {
          g_assert_true (bk_analysis_row_get_is_total (row));
          sql = where != NULL ? g_strdup (where) : NULL;
        }
      g_assert_cmpint (bk_analysis_row_get_current (row), ==, brute_count (current, sql));
      g_assert_cmpint (bk_analysis_row_get_previous (row), ==, brute_count (previous, sql));
    }
}

static void
assert_district_table (BkAnalysisWindow *window,
                       const Range      *current,
                       const Range      *previous,
                       const char       *where)
{
  GListModel *table = bk_analysis_window_get_table (window);
  guint n = g_list_model_get_n_items (table);
  gint64 sum = 0;

  g_assert_cmpuint (n, >=, 2);
  for (guint i = 0; i < n; i++)
    {
      BkAnalysisRow *row = table_row (window, i);
      const char *label = bk_analysis_row_get_label (row);
      g_autofree char *sql = NULL;

      if (bk_analysis_row_get_is_total (row))
        {
          g_assert_cmpuint (i, ==, n - 1);
          g_assert_cmpint (bk_analysis_row_get_current (row), ==, sum);
          g_assert_cmpint (bk_analysis_row_get_current (row), ==, brute_count (current, where));
          continue;
        }
      sql = g_strdup_printf ("district = '%s'%s%s",
                             g_str_equal (label, _("No district")) ? "" : label,
                             where != NULL ? " AND " : "", where != NULL ? where : "");
      g_assert_cmpint (bk_analysis_row_get_current (row), ==, brute_count (current, sql));
      g_assert_cmpint (bk_analysis_row_get_previous (row), ==, brute_count (previous, sql));
      sum += bk_analysis_row_get_current (row);
    }
  /* Every district with incidents has a row: the rows add up to the total. */
  g_assert_cmpint (sum, ==, brute_count (current, where));
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
test_roles (void)
{
  BkAnalysisWindow *window;

  /* A unit account: the action is disabled and opens nothing. */
  sign_in_as ("car01");
  gtk_widget_activate_action (GTK_WIDGET (analysis.window), "win.analysis", NULL);
  ui_spin_ms (200);
  g_assert_null (bk_window_get_analysis_window (analysis.window));

  /* A supervisor and a dispatcher may both open it. */
  sign_in_as ("super1");
  window = open_analysis ();
  g_assert_nonnull (bk_analysis_window_get_summary (window));
  g_assert_cmpint (bk_analysis_window_get_summary (window)->period, ==, BC_STATS_PERIOD_MONTH);
  g_assert_cmpuint (bk_analysis_window_get_n_requests (window), ==, 1);
  /* Signing out closes it: it showed the previous session's numbers. */
  sign_in_as ("disp1");
  g_assert_null (bk_window_get_analysis_window (analysis.window));
  window = open_analysis ();
  g_assert_nonnull (bk_analysis_window_get_summary (window));
  /* Opening it again presents the same window. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (analysis.window), "win.analysis", NULL));
  g_assert_true (bk_window_get_analysis_window (analysis.window) == GTK_WINDOW (window));
  close_analysis ();
}

static void
test_month_matches_brute_force (void)
{
  BkAnalysisWindow *window;
  BcStatsSummary *summary;
  Range current = local_range (NULL, 30, 0);
  Range previous = local_range (NULL, 30, 1);

  sign_in_as ("super1");
  window = open_analysis ();
  choose (window, "period_dropdown", _("Last 7 days"));
  g_assert_cmpint (bk_analysis_window_get_summary (window)->period, ==, BC_STATS_PERIOD_WEEK);
  choose (window, "period_dropdown", _("Last 30 days"));
  summary = bk_analysis_window_get_summary (window);
  g_assert_cmpint (summary->period, ==, BC_STATS_PERIOD_MONTH);
  g_assert_cmpstr (summary->current.first_day, ==, current.first_day);
  g_assert_cmpstr (summary->current.last_day, ==, current.last_day);
  g_assert_cmpstr (summary->previous.first_day, ==, previous.first_day);
  g_assert_cmpuint (summary->current.days, ==, 30);
  /* The history is there: about 822 incidents a day. */
  g_assert_cmpint (brute_count (&current, NULL), >, 30 * 400);

  assert_type_table (window, &current, &previous, NULL);

  bk_analysis_window_set_table_kind (window, BK_ANALYSIS_TABLE_DISTRICT);
  assert_district_table (window, &current, &previous, NULL);

  /* By day: one row per local day, oldest first, each against the same day of the previous
   * period. */
  bk_analysis_window_set_table_kind (window, BK_ANALYSIS_TABLE_DAY);
  g_assert_cmpuint (g_list_model_get_n_items (bk_analysis_window_get_table (window)), ==, 31);
  for (guint i = 0; i < 30; i++)
    {
      BkAnalysisRow *row = table_row (window, i);
      Range day = { current.start + i * DAY_US, current.start + (i + 1) * DAY_US, "", "" };
      Range before = { previous.start + i * DAY_US, previous.start + (i + 1) * DAY_US, "", "" };

      g_assert_cmpint (bk_analysis_row_get_current (row), ==, brute_count (&day, NULL));
      g_assert_cmpint (bk_analysis_row_get_previous (row), ==, brute_count (&before, NULL));
    }
  g_assert_cmpstr (bk_analysis_row_get_label (table_row (window, 0)), ==, current.first_day);
  g_assert_cmpstr (bk_analysis_row_get_label (table_row (window, 29)), ==, current.last_day);

  bk_analysis_window_set_table_kind (window, BK_ANALYSIS_TABLE_PRIORITY);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *sql = g_strdup_printf ("priority = %u", i + 1);

      g_assert_cmpint (bk_analysis_row_get_current (table_row (window, i)), ==,
                       brute_count (&current, sql));
    }
  bk_analysis_window_set_table_kind (window, BK_ANALYSIS_TABLE_TYPE);
  close_analysis ();
}

static void
test_filters_match_brute_force (void)
{
  BkAnalysisWindow *window;
  Range current = local_range (NULL, 90, 0);
  Range previous = local_range (NULL, 90, 1);
  g_autoptr(GHashTable) before = g_hash_table_new (NULL, NULL);
  gint64 all_total;

  sign_in_as ("super1");
  window = open_analysis ();
  choose (window, "period_dropdown", _("Last 90 days"));
  assert_type_table (window, &current, &previous, NULL);
  all_total = bk_analysis_row_get_current (table_row (window, BC_STATS_N_TYPES));

  choose (window, "district_dropdown", "掇刀区");
  g_assert_cmpstr (bk_analysis_window_get_summary (window)->district, ==, "掇刀区");
  assert_type_table (window, &current, &previous, "district = '掇刀区'");
  /* The numbers changed: 掇刀区 has about 30 % of the incidents. */
  g_assert_cmpint (bk_analysis_row_get_current (table_row (window, BC_STATS_N_TYPES)), <,
                   all_total / 2);

  choose (window, "type_dropdown", bc_incident_type_label (BC_INCIDENT_TYPE_TRAFFIC));
  g_assert_cmpstr (bk_analysis_window_get_summary (window)->type, ==, "traffic");
  assert_type_table (window, &current, &previous, "district = '掇刀区' AND type = 'traffic'");
  /* Only the chosen type has incidents. */
  for (guint i = 0; i < BC_STATS_N_TYPES; i++)
    if (i != BC_INCIDENT_TYPE_TRAFFIC)
      g_assert_cmpint (bk_analysis_row_get_current (table_row (window, i)), ==, 0);
  g_assert_cmpint (bk_analysis_row_get_current (table_row (window, BC_INCIDENT_TYPE_TRAFFIC)), >, 0);

  /* Back to every district, traffic only: the district rows are traffic counts. */
  choose (window, "district_dropdown", _("All districts"));
  bk_analysis_window_set_table_kind (window, BK_ANALYSIS_TABLE_DISTRICT);
  assert_district_table (window, &current, &previous, "type = 'traffic'");
  bk_analysis_window_set_table_kind (window, BK_ANALYSIS_TABLE_TYPE);
  close_analysis ();
}

static gboolean
revealed (gpointer data)
{
  return gtk_revealer_get_child_revealed (data);
}

static void
set_dates_and_apply (BkAnalysisWindow *window,
                     const char       *start,
                     const char       *end)
{
  GtkWidget *start_entry = ui_find_by_id (GTK_WIDGET (window), "start_entry");
  GtkWidget *end_entry = ui_find_by_id (GTK_WIDGET (window), "end_entry");

  gtk_editable_set_text (GTK_EDITABLE (start_entry), start);
  gtk_editable_set_text (GTK_EDITABLE (end_entry), end);
  /* Enter in the field. */
  g_signal_emit_by_name (end_entry, "activate");
}

static void
test_custom_invalid_sends_nothing (void)
{
  BkAnalysisWindow *window;
  GtkWidget *revealer;
  guint requests;
  AnswerWait wait;
  Range current, previous;
  static const char * const bad[][2] = {
    { "2026-11-20", "2026-11-10" },   /* start after end */
    { "2026-02-30", "2026-03-10" },   /* no such day */
    { "2026/11/01", "2026-11-10" },   /* not YYYY-MM-DD */
    { "2024-01-01", "2026-01-01" },   /* longer than 366 days */
    { "1999-12-25", "2000-01-05" },   /* before 2000 */
    { "", "2026-11-10" },             /* no start */
  };

  sign_in_as ("super1");
  window = open_analysis ();
  /* Custom starts from the period on screen, and shows it again. */
  choose (window, "period_dropdown", _("Custom"));
  g_assert_true (gtk_widget_get_visible (ui_find_by_id (GTK_WIDGET (window), "custom_box")));
  revealer = ui_find_by_id (GTK_WIDGET (window), "validation_revealer");

  requests = bk_analysis_window_get_n_requests (window);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      set_dates_and_apply (window, bad[i][0], bad[i][1]);
      g_assert_nonnull (bk_analysis_window_get_validation_message (window));
      g_test_message ("%s … %s: %s", bad[i][0], bad[i][1],
                      bk_analysis_window_get_validation_message (window));
      g_assert_true (wait_until (revealed, revealer));
      /* The refresh button and F5 do not send it either. */
      g_assert_false (bk_analysis_window_refresh (window));
    }
  ui_spin_ms (200);
  g_assert_cmpuint (bk_analysis_window_get_n_requests (window), ==, requests);
  g_assert_false (bk_analysis_window_get_loading (window));

  /* Valid dates: the message goes, one request, the answer covers exactly those days. */
  current = local_range ("2026-11-10", 10, 0);
  previous = local_range ("2026-11-10", 10, 1);
  wait.window = window;
  wait.answers = bk_analysis_window_get_n_answers (window);
  set_dates_and_apply (window, "2026-11-01", "2026-11-10");
  g_assert_null (bk_analysis_window_get_validation_message (window));
  g_assert_cmpuint (bk_analysis_window_get_n_requests (window), ==, requests + 1);
  g_assert_true (wait_until (answered, &wait));
  g_assert_cmpuint (bk_analysis_window_get_summary (window)->current.days, ==, 10);
  g_assert_cmpstr (bk_analysis_window_get_summary (window)->current.first_day, ==, "2026-11-01");
  g_assert_cmpstr (bk_analysis_window_get_summary (window)->previous.first_day, ==,
                   previous.first_day);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));
  assert_type_table (window, &current, &previous, NULL);
  close_analysis ();
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

static gboolean
export_done (gpointer data)
{
  return *(int *) data != 0;
}

static void
export_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  int *state = user_data;

  *state = bk_analysis_window_export_finish (BK_ANALYSIS_WINDOW (object), result, &error) ? 1 : -1;
  g_assert_no_error (error);
}

static char *
export_to (BkAnalysisWindow *window,
           BkAnalysisExport  format,
           const char       *name)
{
  g_autofree char *dir = g_dir_make_tmp ("beacon-analysis-XXXXXX", NULL);
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  int state = 0;

  bk_analysis_window_export_async (window, format, file, NULL, export_cb, &state);
  /* Asynchronous: nothing is written before the main loop runs. */
  g_assert_cmpint (state, ==, 0);
  g_assert_true (wait_until (export_done, &state));
  g_assert_cmpint (state, ==, 1);
  return path;
}

/* Splits one CSV line of unquoted or RFC 4180-quoted fields. */
static GPtrArray *
csv_split (const char *line)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p = line;

  for (;;)
    {
      g_string_truncate (field, 0);
      if (*p == '"')
        {
          for (p++; *p != '\0'; p++)
            {
              if (*p == '"' && p[1] == '"')
                g_string_append_c (field, *p++);
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (field, *p);
            }
        }
      else
        for (; *p != '\0' && *p != ','; p++)
          g_string_append_c (field, *p);
      g_ptr_array_add (fields, g_strdup (field->str));
      if (*p != ',')
        break;
      p++;
    }
  return fields;
}

static void
test_exports (void)
{
  BkAnalysisWindow *window;
  GListModel *table;
  g_autofree char *csv_path = NULL;
  g_autofree char *png_path = NULL;
  g_autofree char *pdf_path = NULL;
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) header = NULL;
  guint n_lines;

  sign_in_as ("super1");
  window = open_analysis ();
  choose (window, "district_dropdown", "东宝区");
  bk_analysis_window_set_table_kind (window, BK_ANALYSIS_TABLE_DISTRICT);
  table = bk_analysis_window_get_table (window);

  /* CSV: BOM, CRLF lines, a header, one line per table row with the table's values. */
  csv_path = export_to (window, BK_ANALYSIS_EXPORT_CSV, "analysis.csv");
  csv = read_text (csv_path);
  g_assert_true (g_str_has_prefix (csv, "\xEF\xBB\xBF"));
  g_assert_true (g_utf8_validate (csv, -1, NULL));
  g_assert_true (g_str_has_suffix (csv, "\r\n"));
  lines = g_strsplit (csv + 3, "\r\n", -1);
  n_lines = g_strv_length (lines) - 1;   /* after the last CRLF: "" */
  g_assert_cmpstr (lines[n_lines], ==, "");
  g_assert_cmpuint (n_lines, ==, g_list_model_get_n_items (table) + 1);
  header = csv_split (lines[0]);
  g_assert_cmpuint (header->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (header, 0), ==, _("District"));
  g_assert_cmpstr (g_ptr_array_index (header, 1), ==, _("This period"));
  g_assert_cmpstr (g_ptr_array_index (header, 2), ==, _("Previous period"));
  for (guint i = 0; i < g_list_model_get_n_items (table); i++)
    {
      BkAnalysisRow *row = table_row (window, i);
      g_autoptr(GPtrArray) fields = csv_split (lines[i + 1]);
      g_autofree char *change = bk_analysis_row_format_change (row);

      g_assert_cmpuint (fields->len, ==, 4);
      g_assert_cmpstr (g_ptr_array_index (fields, 0), ==, bk_analysis_row_get_label (row));
      g_assert_cmpint (g_ascii_strtoll (g_ptr_array_index (fields, 1), NULL, 10), ==,
                       bk_analysis_row_get_current (row));
      g_assert_cmpint (g_ascii_strtoll (g_ptr_array_index (fields, 2), NULL, 10), ==,
                       bk_analysis_row_get_previous (row));
      g_assert_cmpstr (g_ptr_array_index (fields, 3), ==, change);
    }
  g_test_message ("CSV: %s", csv_path);

  /* PNG: loads, the page size, and something drawn on the white page. */
  png_path = export_to (window, BK_ANALYSIS_EXPORT_PNG, "analysis.png");
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (png_path, &error);
    g_autofree guchar *pixels = NULL;
    gsize stride, dark = 0, colored = 0;
    int w, h;

    g_assert_no_error (error);
    w = gdk_texture_get_width (texture);
    h = gdk_texture_get_height (texture);
    g_assert_cmpint (w, ==, BK_ANALYSIS_PNG_WIDTH);
    g_assert_cmpint (h, ==, BK_ANALYSIS_PNG_HEIGHT);
    stride = (gsize) w * 4;
    pixels = g_malloc (stride * h);
    gdk_texture_download (texture, pixels, stride);
    for (gsize i = 0; i < stride * h; i += 4)
      {
        /* Cairo's ARGB32, little-endian: B G R A. */
        guchar b = pixels[i], g = pixels[i + 1], r = pixels[i + 2];

        if (r < 100 && g < 100 && b < 100)
          dark++;                      /* text and axes */
        if (b > 150 && r < 120)
          colored++;                   /* the current period's blue */
      }
    g_test_message ("PNG %s: %" G_GSIZE_FORMAT " dark, %" G_GSIZE_FORMAT " blue pixels",
                    png_path, dark, colored);
    g_assert_cmpuint (dark, >, 2000);
    g_assert_cmpuint (colored, >, 2000);
    /* A corner of the page is the white background. */
    g_assert_cmpuint (pixels[0], ==, 255);
    g_assert_cmpuint (pixels[2], ==, 255);
  }

  /* PDF: a PDF file of one page, as poppler reads it. */
  pdf_path = export_to (window, BK_ANALYSIS_EXPORT_PDF, "analysis.pdf");
  {
    g_autofree char *pdf = NULL;
    gsize length;
    g_autofree char *pdfinfo = g_find_program_in_path ("pdfinfo");

    g_assert_true (g_file_get_contents (pdf_path, &pdf, &length, NULL));
    g_assert_cmpuint (length, >, 1000);
    g_assert_true (g_str_has_prefix (pdf, "%PDF-"));
    if (pdfinfo != NULL)
      {
        const char *argv[] = { pdfinfo, pdf_path, NULL };
        g_autofree char *out = NULL;
        g_autoptr(GError) error = NULL;
        int status;

        g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                     &out, NULL, &status, &error));
        g_assert_no_error (error);
        g_assert_true (g_spawn_check_wait_status (status, NULL));
        g_assert_nonnull (strstr (out, "Pages:           1"));
        g_assert_nonnull (strstr (out, "842 x 595"));
      }
    else
      g_test_message ("pdfinfo not installed: page count not checked");
  }

  close_analysis ();
}

static gboolean
sized (gpointer data)
{
  /* The window's widget is the toplevel less its client-side decoration's frame. */
  return gtk_widget_get_width (data) >= 1600 && gtk_widget_get_height (data) >= 1000;
}

static void
test_screenshot (void)
{
  BkAnalysisWindow *window;
  g_autofree char *path = NULL;
  g_autofree char *report = NULL;

  sign_in_as ("super1");
  window = open_analysis ();
  /* No window manager under Xvfb: a minimum size is what makes the window grow. */
  gtk_widget_set_size_request (GTK_WIDGET (window), 1610, 1010);
  if (!wait_until (sized, window))
    g_error ("window is %d×%d", gtk_widget_get_width (GTK_WIDGET (window)),
             gtk_widget_get_height (GTK_WIDGET (window)));
  ui_spin_ms (300);
  path = ui_save_screenshot (GTK_WIDGET (window), "analysis-month.png", WAIT_MS);

  /* The exported page, beside it, to look at. */
  report = g_test_build_filename (G_TEST_BUILT, "analysis-report.png", NULL);
  {
    g_autoptr(GBytes) bytes = bk_analysis_window_export_bytes (window, BK_ANALYSIS_EXPORT_PNG,
                                                               NULL);
    g_assert_nonnull (bytes);
    g_assert_true (g_file_set_contents (report, g_bytes_get_data (bytes, NULL),
                                        g_bytes_get_size (bytes), NULL));
    g_test_message ("report: %s", report);
  }

  /* The table, scrolled into view. */
  {
    GtkWidget *view = ui_find_by_id (GTK_WIDGET (window), "table_view");
    GtkWidget *scrolled = gtk_widget_get_ancestor (view, GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adj = NULL;

    /* The column view's own scrolled window is inside the page's. */
    scrolled = gtk_widget_get_ancestor (gtk_widget_get_parent (scrolled), GTK_TYPE_SCROLLED_WINDOW)
               != NULL ? gtk_widget_get_ancestor (gtk_widget_get_parent (scrolled),
                                                  GTK_TYPE_SCROLLED_WINDOW) : scrolled;
    adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
    bk_analysis_window_set_table_kind (window, BK_ANALYSIS_TABLE_DISTRICT);
    ui_spin_ms (300);
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
    ui_spin_ms (300);
    g_free (path);
    path = ui_save_screenshot (GTK_WIDGET (window), "analysis-table.png", WAIT_MS);
    gtk_adjustment_set_value (adj, 0);
    bk_analysis_window_set_table_kind (window, BK_ANALYSIS_TABLE_TYPE);
  }

  choose (window, "period_dropdown", _("Custom"));
  set_dates_and_apply (window, "2026-11-20", "2026-11-10");
  g_assert_nonnull (bk_analysis_window_get_validation_message (window));
  ui_spin_ms (400);
  g_free (path);
  path = ui_save_screenshot (GTK_WIDGET (window), "analysis-invalid-dates.png", WAIT_MS);
  close_analysis ();
}

/* Two changes in a row: the first request is cancelled, only the answer to the second is
 * shown, and it has both filters. */
static void
test_change_cancels_previous (void)
{
  BkAnalysisWindow *window;
  GtkDropDown *district, *type;
  AnswerWait wait;
  guint requests;
  Range current = local_range (NULL, 30, 0);
  Range previous = local_range (NULL, 30, 1);

  sign_in_as ("super1");
  window = open_analysis ();
  district = GTK_DROP_DOWN (ui_find_by_id (GTK_WIDGET (window), "district_dropdown"));
  type = GTK_DROP_DOWN (ui_find_by_id (GTK_WIDGET (window), "type_dropdown"));
  requests = bk_analysis_window_get_n_requests (window);
  wait.window = window;
  wait.answers = bk_analysis_window_get_n_answers (window);

  gtk_drop_down_set_selected (district, 1);                           /* 东宝区 */
  gtk_drop_down_set_selected (type, 1 + BC_INCIDENT_TYPE_FIRE);
  g_assert_cmpuint (bk_analysis_window_get_n_requests (window), ==, requests + 2);
  g_assert_true (wait_until (answered, &wait));
  ui_spin_ms (300);
  /* One answer: the cancelled request's never arrives. */
  g_assert_cmpuint (bk_analysis_window_get_n_answers (window), ==, wait.answers + 1);
  g_assert_cmpstr (bk_analysis_window_get_summary (window)->district, ==, "东宝区");
  g_assert_cmpstr (bk_analysis_window_get_summary (window)->type, ==, "fire");
  assert_type_table (window, &current, &previous, "district = '东宝区' AND type = 'fire'");
  close_analysis ();
}

static gboolean
has_accelerator (GtkWidget  *widget,
                 const char *accelerator)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *accel = NULL;

      g_object_get (widget, "accelerator", &accel, NULL);
      if (g_strcmp0 (accel, accelerator) == 0)
        return TRUE;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_accelerator (child, accelerator))
      return TRUE;
  return FALSE;
}

/* Ctrl+Shift+A is listed in the shortcuts window (Ctrl+?). */
static void
test_shortcut_listed (void)
{
  GtkShortcutsWindow *overlay;

  ensure_app ();
  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (analysis.window));
  g_assert_nonnull (overlay);
  g_assert_true (has_accelerator (GTK_WIDGET (overlay), "<Control><Shift>a"));
}

/* The server goes away: the view shows the error and its message instead of stale numbers,
 * and there is nothing to export. Last, because it stops the server. */
static void
test_error_state (void)
{
  BkAnalysisWindow *window;
  AnswerWait wait;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GtkStack *stack;

  sign_in_as ("super1");
  window = open_analysis ();
  stack = GTK_STACK (ui_find_by_id (GTK_WIDGET (window), "stack"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "content");

  server_fixture_stop (&analysis.server);
  wait.window = window;
  wait.answers = bk_analysis_window_get_n_answers (window);
  g_assert_true (bk_analysis_window_refresh (window));
  g_assert_true (bk_analysis_window_get_loading (window));
  g_assert_true (gtk_widget_get_visible (ui_find_by_id (GTK_WIDGET (window), "spinner")));
  g_assert_true (wait_until (answered, &wait));
  g_assert_nonnull (bk_analysis_window_get_error_message (window));
  g_test_message ("error: %s", bk_analysis_window_get_error_message (window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "error");
  g_assert_null (bk_analysis_window_get_summary (window));
  bytes = bk_analysis_window_export_bytes (window, BK_ANALYSIS_EXPORT_CSV, &error);
  g_assert_null (bytes);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  close_analysis ();
}

/* A request the view cancels (a newer filter replaced it) may be finished by libsoup on the
 * server side with status 500, which beacon-server logs as a warning. That is the behaviour
 * under test, not a failure: such warnings are noted, every other one stays fatal. */
static gboolean
is_cancelled_stats_request (const char *message)
{
  return g_str_has_prefix (message, "GET /api/v1/stats/summary 500 ");
}

int
main (int    argc,
      char **argv)
{
  int result;

  ui_test_init (&argc, &argv, "icon.svg");

  ui_expect_server_warnings (is_cancelled_stats_request, "cancelled statistics request");

  g_test_add_func ("/analysis/open/roles-supervisor-dispatcher-not-unit", test_roles);
  g_test_add_func ("/analysis/period/month-table-matches-brute-force",
                   test_month_matches_brute_force);
  g_test_add_func ("/analysis/filters/district-and-type-match-brute-force",
                   test_filters_match_brute_force);
  g_test_add_func ("/analysis/custom/invalid-dates-inline-error-no-request",
                   test_custom_invalid_sends_nothing);
  g_test_add_func ("/analysis/export/csv-png-pdf", test_exports);
  g_test_add_func ("/analysis/screenshots/month-and-invalid-dates", test_screenshot);
  g_test_add_func ("/analysis/filters/change-cancels-previous-request",
                   test_change_cancels_previous);
  g_test_add_func ("/analysis/shortcut/listed-in-shortcuts-window", test_shortcut_listed);
  g_test_add_func ("/analysis/error/server-unreachable-shows-error", test_error_state);

  result = g_test_run ();

  if (analysis.window != NULL)
    gtk_window_destroy (GTK_WINDOW (analysis.window));
  g_clear_object (&analysis.app);
  server_fixture_teardown (&analysis.server, NULL);
  g_free (analysis.dispatcher_token);

  return result;
}
