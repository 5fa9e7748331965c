/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "bk-application.h"
#include "bk-window.h"
#include "server-fixture.h"
#include "ui-helpers.h"

/*
 * The dispatch workflow in real main windows against a real beacon-server (a BsServer in a
 * thread on 127.0.0.1 over a SQLite file): the incident queue, the dispatch panel, the
 * command line, the new-incident form, the timeline, the outbox across a lost server and a
 * restarted console. Each test opens its own windows (one per dispatcher) and works in its
 * own area of the city with its own units, so that the tests do not take each other's units;
 * the server is shared.
 */

#define CENTER_LAT 31.0355
#define CENTER_LON 112.2040
#define WAIT_MS 20000
#define N_AREAS 17
#define UNITS_PER_AREA 4

typedef struct
{
  ServerFixture  server;
  gboolean       started;
  guint16        port;
  char          *token;                /* dispatcher2's, for setting up through HTTP */
  gint64         units[N_AREAS][UNITS_PER_AREA];
  BkApplication *app;
} Dispatch;

static Dispatch dispatch;

/* Areas 3.3 km apart, so each test's incident has its own units as the nearest. */
static void
area_center (guint   area,
             double *lat,
             double *lon)
{
  *lat = CENTER_LAT - 0.06 + 0.03 * (area % 4);
  *lon = CENTER_LON - 0.06 + 0.035 * (area / 4);
}

static char *
unit_call_sign (guint area,
                guint index)
{
  return g_strdup_printf ("巡%02u-%u", area, index + 1);
}

/* ---- waiting ------------------------------------------------------------------------------ */

static gboolean
wait_until (FixtureCondition cond,
            gpointer         data)
{
  return fixture_wait (cond, data, WAIT_MS);
}

/* ---- server ------------------------------------------------------------------------------- */

static gboolean log_fatal_cb (const char     *log_domain,
                              GLogLevelFlags  log_level,
                              const char     *message,
                              gpointer        user_data);

static void
ensure_server (void)
{
  g_test_log_set_fatal_handler (log_fatal_cb, NULL);

  if (dispatch.started)
    return;

  server_fixture_start (&dispatch.server, NULL);
  dispatch.started = TRUE;
  dispatch.port = dispatch.server.port;

  fixture_add_user (&dispatch.server, "dispatcher1", BC_ROLE_DISPATCHER, "调度员一", TEST_PASSWORD);
  dispatch.token = fixture_user_token (&dispatch.server, "dispatcher2", BC_ROLE_DISPATCHER,
                                       "调度员二");

  /* Units 150 m, 400 m, 700 m and 1 km from their area's centre: a fixed order of ETA. */
  for (guint area = 0; area < N_AREAS; area++)
    {
      double lat, lon;

      area_center (area, &lat, &lon);
      for (guint i = 0; i < UNITS_PER_AREA; i++)
        {
          static const double offsets_m[] = { 150, 400, 700, 1000 };
          g_autofree char *call_sign = unit_call_sign (area, i);

          dispatch.units[area][i] = fixture_add_unit (&dispatch.server, call_sign,
                                                      lat + offsets_m[i] / 111320.0, lon);
        }
    }
}

static void
restart_server (void)
{
  BsConfig *config = server_fixture_test_config ();

  /* The same address: the consoles know only that one. */
  g_free (config->listen);
  config->listen = g_strdup_printf ("127.0.0.1:%u", dispatch.port);
  server_fixture_start (&dispatch.server, config);
  g_assert_cmpuint (dispatch.server.port, ==, dispatch.port);
}

static gint64
create_incident_http (guint       area,
                      const char *type,
                      int         priority,
                      const char *address)
{
  g_autofree char *body = NULL;
  g_autoptr(TestReply) reply = NULL;
  double lat, lon;

  area_center (area, &lat, &lon);
  body = g_strdup_printf ("{\"type\":\"%s\",\"priority\":%d,"
                          "\"location\":{\"lat\":%.6f,\"lon\":%.6f},"
                          "\"address\":\"%s\","
                          "\"caller\":{\"name\":\"王先生\",\"phone\":\"13700000000\"},"
                          "\"description\":\"测试警情\"}",
                          type, priority, lat, lon, address);
  reply = fixture_http (&dispatch.server, "POST", "/api/v1/incidents", dispatch.token, body, NULL);
  assert_reply (reply, 201, NULL);
  return json_object_get_int_member (test_reply_object (reply), "id");
}

/* A unit acknowledges an order, as its crew does from the car (a "unit" account whose
 * display name is the call sign). */
static void
ack_as_unit (guint  area,
             guint  index,
             gint64 order_id)
{
  g_autofree char *call_sign = unit_call_sign (area, index);
  g_autofree char *username = g_strdup_printf ("car%02u%u", area, index);
  g_autofree char *token = fixture_user_token (&dispatch.server, username, BC_ROLE_UNIT, call_sign);
  g_autofree char *path = g_strdup_printf ("/api/v1/orders/%" G_GINT64_FORMAT "/ack", order_id);
  g_autofree char *body = g_strdup_printf ("{\"unit\":%" G_GINT64_FORMAT ",\"accepted\":true}",
                                           dispatch.units[area][index]);
  g_autoptr(TestReply) reply = fixture_http (&dispatch.server, "POST", path, token, body, NULL);

  assert_reply (reply, 200, NULL);
}

static gint64
count (const char *format,
       ...) G_GNUC_PRINTF (1, 2);

static gint64
count (const char *format,
       ...)
{
  va_list args;
  g_autofree char *sql = NULL;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);
  return fixture_count (&dispatch.server, sql);
}

/* ---- consoles ----------------------------------------------------------------------------- */

typedef struct
{
  BkWindow *window;
  BkDispatchDesk *desk;
  BkIncidentQueue *queue;
  BkDispatchPanel *panel;
  BkCommandLine *command_line;
  BkTimeline *timeline;
} Console;

static void
ensure_app (void)
{
  g_autoptr(GError) error = NULL;
  GSettings *settings;

  if (dispatch.app != NULL)
    return;

  dispatch.app = bk_application_new ();
  g_application_register (G_APPLICATION (dispatch.app), NULL, &error);
  g_assert_no_error (error);
  ui_add_icon_paths ();

  settings = bk_application_get_settings (dispatch.app);
  g_settings_set_int (settings, "window-width", 1920);
  g_settings_set_int (settings, "window-height", 1080);
  g_settings_set (settings, "last-view", "(ddd)", CENTER_LAT, CENTER_LON, 13.0);
}

static gboolean
login_shown (gpointer data)
{
  BkWindow *window = data;

  return bk_window_get_login_dialog (window) != NULL
         && gtk_widget_get_mapped (GTK_WIDGET (bk_window_get_login_dialog (window)));
}

static gboolean
signed_in (gpointer data)
{
  BkWindow *window = data;
  BkLiveState *live = bk_window_get_live_state (window);
  BcClient *client = bk_window_get_client (window);

  /* With its outbox: commands survive a lost server from the first one on. */
  return live != NULL && bk_live_state_get_loaded (live) && client != NULL
         && bc_client_get_outbox (client) != NULL;
}

static Console *
console_open (const char *username)
{
  Console *console = g_new0 (Console, 1);
  BkLoginDialog *dialog;

  ensure_app ();
  console->window = bk_window_new (dispatch.app);
  gtk_window_present (GTK_WINDOW (console->window));
  g_assert_true (wait_until (login_shown, console->window));

  dialog = bk_window_get_login_dialog (console->window);
  ui_fill_login (GTK_WIDGET (dialog), dispatch.server.base_uri, username, TEST_PASSWORD);
  gtk_widget_activate (ui_find_by_id (GTK_WIDGET (dialog), "sign_in_button"));
  g_assert_true (wait_until (signed_in, console->window));

  console->desk = bk_window_get_dispatch_desk (console->window);
  console->queue = bk_dispatch_desk_get_queue (console->desk);
  console->panel = bk_dispatch_desk_get_panel (console->desk);
  console->command_line = bk_dispatch_desk_get_command_line (console->desk);
  console->timeline = bk_dispatch_desk_get_timeline (console->desk);
  return console;
}

static void
console_close (Console *console)
{
  gtk_window_destroy (GTK_WINDOW (console->window));
  ui_spin_ms (100);
  g_free (console);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Console, console_close)

typedef struct
{
  Console *console;
  gint64 id;
} Row;

static gboolean
row_shown (gpointer data)
{
  Row *row = data;
  GListModel *model = bk_incident_queue_get_model (row->console->queue);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (model, i);
      if (bc_incident_get_id (incident) == row->id)
        return TRUE;
    }
  return FALSE;
}

static gboolean
row_gone (gpointer data)
{
  return !row_shown (data);
}

static void
wait_for_row (Console *console,
              gint64   id)
{
  Row row = { console, id };

  g_assert_true (wait_until (row_shown, &row));
}

static guint
row_position (Console *console,
              gint64   id)
{
  GListModel *model = bk_incident_queue_get_model (console->queue);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (model, i);
      if (bc_incident_get_id (incident) == id)
        return i;
    }
  g_assert_not_reached ();
}

/* What a click on the row does: select it in the column view's selection model. */
static void
click_row (Console *console,
           gint64   id)
{
  GtkColumnView *view =
    GTK_COLUMN_VIEW (ui_find_by_id (GTK_WIDGET (console->queue), "column_view"));

  g_assert_nonnull (view);
  gtk_selection_model_select_item (gtk_column_view_get_model (view), row_position (console, id),
                                   TRUE);
  g_assert_cmpint (bk_incident_queue_get_selected (console->queue), ==, id);
}

static gboolean
panel_idle (gpointer data)
{
  Console *console = data;

  return !bk_dispatch_panel_get_busy (console->panel);
}

static void
select_and_load (Console *console,
                 gint64   id)
{
  wait_for_row (console, id);
  click_row (console, id);
  g_assert_true (wait_until (panel_idle, console));
}

typedef struct
{
  Console *console;
  gint64 unit;
  BkOrderLineState state;
} UnitState;

static gboolean
unit_state_is (gpointer data)
{
  UnitState *us = data;

  return bk_dispatch_panel_get_unit_state (us->console->panel, us->unit) == us->state;
}

static void
wait_unit_state (Console          *console,
                 gint64            unit,
                 BkOrderLineState  state)
{
  UnitState us = { console, unit, state };

  if (!wait_until (unit_state_is, &us))
    g_error ("unit %" G_GINT64_FORMAT " stays in state %d, not %d", unit,
             bk_dispatch_panel_get_unit_state (console->panel, unit), state);
}

static gboolean
has_class (GtkWidget  *widget,
           const char *css_class)
{
  return widget != NULL && gtk_widget_has_css_class (widget, css_class);
}

/* ---- screenshots -------------------------------------------------------------------------- */

/* ---- queue -------------------------------------------------------------------------------- */

static void
test_queue_sorted_by_status_priority_age (void)
{
  g_autoptr(Console) console = NULL;
  gint64 p3, p1, p2, dispatched;
  GtkWidget *cell;

  ensure_server ();
  console = console_open ("dispatcher1");

  p3 = create_incident_http (0, "dispute", 3, "月亮湖路32号");
  p1 = create_incident_http (0, "criminal", 1, "长宁大道88号");
  p2 = create_incident_http (0, "traffic", 2, "象山大道与白庙路交叉口");
  dispatched = create_incident_http (0, "rescue", 1, "泉口路与海慧路交叉口");
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/dispatch",
                                             dispatched);
    g_autofree char *body = g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT "]}",
                                             dispatch.units[0][3]);
    g_autoptr(TestReply) reply = fixture_http (&dispatch.server, "POST", path, dispatch.token,
                                               body, "Idempotency-Key", "queue-sort-1", NULL);
    assert_reply (reply, 201, NULL);
  }

  wait_for_row (console, p3);
  wait_for_row (console, p1);
  wait_for_row (console, p2);
  wait_for_row (console, dispatched);
  {
    Row row = { console, dispatched };
    g_assert_true (wait_until (row_shown, &row));
  }
  ui_spin_ms (200);

  /* Awaiting dispatch first, by priority; the one under way after them, P1 or not. */
  g_assert_cmpuint (row_position (console, p1), <, row_position (console, p2));
  g_assert_cmpuint (row_position (console, p2), <, row_position (console, p3));
  g_assert_cmpuint (row_position (console, p3), <, row_position (console, dispatched));

  /* The cells on screen show the incident. */
  cell = bk_incident_queue_get_cell (console->queue, p1, "priority");
  g_assert_nonnull (cell);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_widget_get_first_child (cell))), ==, "P1");
  cell = bk_incident_queue_get_cell (console->queue, p1, "status");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_widget_get_first_child (cell))), ==,
                   bc_incident_status_label (BC_INCIDENT_STATUS_NEW));
  g_assert_true (has_class (cell, "awaiting"));
  cell = bk_incident_queue_get_cell (console->queue, dispatched, "units");
  {
    g_autofree char *call_sign = unit_call_sign (0, 3);
    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_widget_get_first_child (cell))), ==,
                     call_sign);
  }

  /* "Mine": nothing this seat did yet. Then an order from here makes one of them mine. */
  bk_incident_queue_set_filter (console->queue, BK_QUEUE_FILTER_MINE);
  g_assert_cmpuint (g_list_model_get_n_items (bk_incident_queue_get_model (console->queue)), ==, 0);
  bk_incident_queue_set_filter (console->queue, BK_QUEUE_FILTER_OPEN);
  select_and_load (console, p2);
  g_assert_true (bk_dispatch_panel_send (console->panel));
  g_assert_true (wait_until (panel_idle, console));
  bk_incident_queue_set_filter (console->queue, BK_QUEUE_FILTER_MINE);
  g_assert_cmpuint (g_list_model_get_n_items (bk_incident_queue_get_model (console->queue)), ==, 1);
  bk_incident_queue_set_filter (console->queue, BK_QUEUE_FILTER_OPEN);

  /* Cancelled, it leaves "Open" and stays under "All", greyed. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/incidents/%" G_GINT64_FORMAT, p3);
    g_autoptr(TestReply) reply = fixture_http (&dispatch.server, "PATCH", path, dispatch.token,
                                               "{\"version\":1,\"status\":\"cancelled\"}", NULL);
    Row row = { console, p3 };

    assert_reply (reply, 200, NULL);
    g_assert_true (wait_until (row_gone, &row));
    bk_incident_queue_set_filter (console->queue, BK_QUEUE_FILTER_ALL);
    g_assert_true (wait_until (row_shown, &row));
    ui_spin_ms (100);
    g_assert_true (has_class (bk_incident_queue_get_cell (console->queue, p3, "number"), "closed"));
    /* The closed come last. */
    g_assert_cmpuint (row_position (console, p3), >, row_position (console, dispatched));
    bk_incident_queue_set_filter (console->queue, BK_QUEUE_FILTER_OPEN);
  }
}

typedef struct
{
  Console *console;
  guint before;
} Alerts;

static gboolean
alerted (gpointer data)
{
  Alerts *alerts = data;

  return bk_incident_queue_get_n_alerts (alerts->console->queue) > alerts->before;
}

static void
test_queue_new_urgent_incident_alerts (void)
{
  g_autoptr(Console) console = NULL;
  Alerts alerts;
  gint64 routine, urgent;

  ensure_server ();
  console = console_open ("dispatcher1");

  /* Priority 4 is not worth a bell. */
  alerts = (Alerts) { console, bk_incident_queue_get_n_alerts (console->queue) };
  routine = create_incident_http (1, "other", 4, "月亮湖路1号");
  wait_for_row (console, routine);
  ui_spin_ms (200);
  g_assert_cmpuint (bk_incident_queue_get_n_alerts (console->queue), ==, alerts.before);
  g_assert_false (has_class (bk_incident_queue_get_cell (console->queue, routine, "number"), "fresh"));

  urgent = create_incident_http (1, "criminal", 1, "长宁大道1号");
  g_assert_true (wait_until (alerted, &alerts));
  wait_for_row (console, urgent);
  ui_spin_ms (100);
  g_assert_true (has_class (bk_incident_queue_get_cell (console->queue, urgent, "number"), "fresh"));
  g_assert_true (has_class (bk_incident_queue_get_cell (console->queue, urgent, "address"), "fresh"));

  /* Seen: selecting it ends the highlight. */
  click_row (console, urgent);
  g_assert_false (has_class (bk_incident_queue_get_cell (console->queue, urgent, "number"), "fresh"));
}

typedef struct
{
  Console *console;
  gint64 id;
} CellWait;

static gboolean
row_overdue (gpointer data)
{
  CellWait *wait = data;

  return has_class (bk_incident_queue_get_cell (wait->console->queue, wait->id, "number"), "overdue")
         && has_class (bk_incident_queue_get_cell (wait->console->queue, wait->id, "age"), "overdue");
}

static void
test_queue_overdue_turns_red (void)
{
  g_autoptr(Console) console = NULL;
  GSettings *settings;
  CellWait wait;
  gint64 id;
  gint64 started;

  ensure_server ();
  ensure_app ();
  settings = bk_application_get_settings (dispatch.app);
  /* The shortest deadline the schema allows. */
  g_settings_set_int (settings, "overdue-p4-seconds", 10);
  console = console_open ("dispatcher1");

  id = create_incident_http (2, "other", 4, "培公大道2号");
  started = g_get_monotonic_time ();
  wait_for_row (console, id);
  g_assert_false (has_class (bk_incident_queue_get_cell (console->queue, id, "number"), "overdue"));
  g_assert_false (bk_incident_queue_is_overdue (console->queue,
                                                bk_incident_queue_lookup (console->queue, id)));

  wait = (CellWait) { console, id };
  g_assert_true (wait_until (row_overdue, &wait));
  g_test_message ("overdue after %.1f s", (g_get_monotonic_time () - started) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 9 * G_USEC_PER_SEC);
  g_assert_true (bk_incident_queue_is_overdue (console->queue,
                                               bk_incident_queue_lookup (console->queue, id)));

  /* Dispatched, it is no longer late for dispatch. */
  select_and_load (console, id);
  g_assert_true (bk_dispatch_panel_send (console->panel));
  g_assert_true (wait_until (panel_idle, console));
  ui_spin_ms (1500);
  g_assert_false (has_class (bk_incident_queue_get_cell (console->queue, id, "number"), "overdue"));

  g_settings_reset (settings, "overdue-p4-seconds");
}

/* ---- dispatch panel ----------------------------------------------------------------------- */

static void
test_panel_two_units_one_order (void)
{
  g_autoptr(Console) a = NULL;
  g_autoptr(Console) b = NULL;
  gint64 id, order_id, first, second;

  ensure_server ();
  first = dispatch.units[3][0];
  second = dispatch.units[3][1];
  a = console_open ("dispatcher1");
  b = console_open ("dispatcher2");

  id = create_incident_http (3, "traffic", 2, "象山大道3号");
  /* The second dispatcher follows the same incident. */
  select_and_load (b, id);
  select_and_load (a, id);

  /* Best first, and the best is already checked. */
  g_assert_cmpuint (bk_dispatch_panel_get_n_recommendations (a->panel), >=, 2);
  g_assert_cmpint (bk_dispatch_panel_get_recommendation (a->panel, 0), ==, first);
  g_assert_cmpint (bk_dispatch_panel_get_recommendation (a->panel, 1), ==, second);
  g_assert_true (bk_dispatch_panel_get_checked (a->panel, first));
  g_assert_false (bk_dispatch_panel_get_checked (a->panel, second));

  bk_dispatch_panel_set_checked (a->panel, second, TRUE);
  bk_dispatch_panel_set_instructions (a->panel, "两车前往，注意安全");
  g_assert_true (bk_dispatch_desk_activate_shortcut (a->desk, "<Control>Return"));
  wait_unit_state (a, first, BK_ORDER_LINE_SENT);
  wait_unit_state (a, second, BK_ORDER_LINE_SENT);

  /* One order with both. */
  g_assert_cmpint (count ("SELECT count(*) FROM orders WHERE incident = %" G_GINT64_FORMAT, id), ==, 1);
  order_id = count ("SELECT id FROM orders WHERE incident = %" G_GINT64_FORMAT, id);
  g_assert_cmpint (count ("SELECT count(*) FROM order_units WHERE order_id = %" G_GINT64_FORMAT,
                          order_id), ==, 2);
  g_assert_cmpint (count ("SELECT count(*) FROM orders WHERE incident = %" G_GINT64_FORMAT
                          " AND instructions = '两车前往，注意安全'", id), ==, 1);

  /* The other dispatcher's panel shows it from the order.created event. */
  wait_unit_state (b, first, BK_ORDER_LINE_SENT);
  wait_unit_state (b, second, BK_ORDER_LINE_SENT);

  /* The first unit acknowledges from its car; both panels follow. */
  ack_as_unit (3, 0, order_id);
  wait_unit_state (a, first, BK_ORDER_LINE_ACKNOWLEDGED);
  wait_unit_state (b, first, BK_ORDER_LINE_ACKNOWLEDGED);
  g_assert_cmpstr (bk_dispatch_panel_get_unit_state_text (b->panel, first), ==,
                   bc_order_unit_state_label (BC_ORDER_UNIT_STATE_ACKNOWLEDGED));
  g_assert_cmpint (bk_dispatch_panel_get_unit_state (b->panel, second), ==, BK_ORDER_LINE_SENT);
}

/* The "Acknowledged by Radio" button of @unit's line in the panel's order list, or NULL. */
static GtkWidget *
find_radio_button (GtkWidget *widget,
                   gint64     unit)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), "ack-by-radio") == 0)
    {
      GtkWidget *row = gtk_widget_get_ancestor (widget, GTK_TYPE_LIST_BOX_ROW);
      gint64 *row_unit = row != NULL ? g_object_get_data (G_OBJECT (row), "unit-id") : NULL;

      return row_unit != NULL && *row_unit == unit ? widget : NULL;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_radio_button (child, unit);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The crew of the first unit answers over the radio; the dispatcher presses the line's
 * "Acknowledged by Radio". The server records it as the unit's answer, made by the dispatcher,
 * the line turns acknowledged and loses the button; the other unit's line keeps it. */
static void
test_panel_ack_by_radio (void)
{
  g_autoptr(Console) console = NULL;
  GtkWidget *button, *other;
  gint64 id, order_id, first, second;

  ensure_server ();
  first = dispatch.units[16][0];
  second = dispatch.units[16][1];
  console = console_open ("dispatcher1");

  id = create_incident_http (16, "traffic", 2, "月亮湖路16号");
  select_and_load (console, id);
  bk_dispatch_panel_set_checked (console->panel, second, TRUE);
  g_assert_true (bk_dispatch_panel_send (console->panel));
  wait_unit_state (console, first, BK_ORDER_LINE_SENT);
  wait_unit_state (console, second, BK_ORDER_LINE_SENT);
  order_id = count ("SELECT id FROM orders WHERE incident = %" G_GINT64_FORMAT, id);
  /* The panel reloads the recommendations after the order; let it settle. */
  g_assert_true (wait_until (panel_idle, console));

  button = find_radio_button (GTK_WIDGET (console->panel), first);
  other = find_radio_button (GTK_WIDGET (console->panel), second);
  g_assert_nonnull (button);
  g_assert_nonnull (other);
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, _("Acknowledged by Radio"));
  g_assert_true (gtk_widget_is_sensitive (button));
  {
    g_autofree char *path = ui_save_screenshot (GTK_WIDGET (console->window),
                                                "dispatch-ack-by-radio.png", WAIT_MS);
  }

  gtk_widget_activate (button);
  wait_unit_state (console, first, BK_ORDER_LINE_ACKNOWLEDGED);

  g_assert_cmpint (count ("SELECT count(*) FROM order_units WHERE order_id = %" G_GINT64_FORMAT
                          " AND unit = %" G_GINT64_FORMAT " AND state = 'acknowledged'",
                          order_id, first), ==, 1);
  g_assert_cmpint (count ("SELECT count(*) FROM order_units WHERE order_id = %" G_GINT64_FORMAT
                          " AND unit = %" G_GINT64_FORMAT " AND state = 'sent'",
                          order_id, second), ==, 1);
  g_assert_cmpint (count ("SELECT count(*) FROM audit WHERE action = 'order.ack'"
                          " AND target = 'order/%" G_GINT64_FORMAT "' AND username = 'dispatcher1'"
                          " AND json_extract (detail, '$.unit') = %" G_GINT64_FORMAT
                          " AND json_extract (detail, '$.by_radio') = 1", order_id, first), ==, 1);
  g_assert_cmpstr (bk_dispatch_panel_get_message (console->panel), ==, NULL);

  g_assert_false (gtk_widget_get_visible (button));
  g_assert_true (gtk_widget_get_visible (other));
  g_assert_cmpint (bk_dispatch_panel_get_unit_state (console->panel, second), ==, BK_ORDER_LINE_SENT);
}

static gboolean
both_idle (gpointer data)
{
  Console **consoles = data;

  return !bk_dispatch_panel_get_busy (consoles[0]->panel)
         && !bk_dispatch_panel_get_busy (consoles[1]->panel);
}

static void
test_panel_race_for_one_unit (void)
{
  g_autoptr(Console) a = NULL;
  g_autoptr(Console) b = NULL;
  Console *both[2];
  Console *loser;
  gint64 id_a, id_b, unit;
  g_autofree char *call_sign = unit_call_sign (4, 0);
  const char *message;

  ensure_server ();
  unit = dispatch.units[4][0];
  a = console_open ("dispatcher1");
  b = console_open ("dispatcher2");

  /* Two incidents next to each other; both dispatchers want the same nearest unit. */
  id_a = create_incident_http (4, "traffic", 2, "白庙路4号");
  id_b = create_incident_http (4, "dispute", 2, "白庙路6号");
  select_and_load (a, id_a);
  select_and_load (b, id_b);
  g_assert_true (bk_dispatch_panel_get_checked (a->panel, unit));
  g_assert_true (bk_dispatch_panel_get_checked (b->panel, unit));

  /* Both press Ctrl+Enter in the same moment. */
  g_assert_true (bk_dispatch_desk_activate_shortcut (a->desk, "<Control>Return"));
  g_assert_true (bk_dispatch_desk_activate_shortcut (b->desk, "<Control>Return"));
  both[0] = a;
  both[1] = b;
  g_assert_true (wait_until (both_idle, both));

  /* Exactly one order has the unit. */
  g_assert_cmpint (count ("SELECT count(*) FROM order_units WHERE unit = %" G_GINT64_FORMAT, unit),
                   ==, 1);
  loser = bk_dispatch_panel_get_message (a->panel) != NULL ? a : b;
  message = bk_dispatch_panel_get_message (loser->panel);
  g_assert_nonnull (message);
  g_test_message ("the other dispatcher reads: %s", message);
  /* The server's message names the unit and what it is doing now. */
  g_assert_nonnull (strstr (message, call_sign));
  g_assert_cmpint (bk_dispatch_panel_get_unit_state (loser->panel, unit), ==, BK_ORDER_LINE_NONE);
  g_assert_cmpint (bk_dispatch_panel_get_unit_state (loser == a ? b->panel : a->panel, unit), !=,
                   BK_ORDER_LINE_NONE);

  /* Its recommendations were loaded again without the taken unit. */
  g_assert_true (wait_until (panel_idle, loser));
  for (guint i = 0; i < bk_dispatch_panel_get_n_recommendations (loser->panel); i++)
    g_assert_cmpint (bk_dispatch_panel_get_recommendation (loser->panel, i), !=, unit);
}

static gboolean
panel_has_message (gpointer data)
{
  Console *console = data;

  return !bk_dispatch_panel_get_busy (console->panel)
         && bk_dispatch_panel_get_message (console->panel) != NULL;
}

typedef struct
{
  gint64 incident;
  gint64 expected;
} OrderCount;

static gboolean
orders_reach (gpointer data)
{
  OrderCount *oc = data;

  return count ("SELECT count(*) FROM orders WHERE incident = %" G_GINT64_FORMAT, oc->incident)
         >= oc->expected;
}

static void
test_outbox_queued_order_arrives_once (void)
{
  g_autoptr(Console) second = NULL;
  Console *first;
  gint64 id, unit;
  OrderCount oc;
  BcOutbox *outbox;

  ensure_server ();
  unit = dispatch.units[5][0];
  first = console_open ("dispatcher1");
  id = create_incident_http (5, "fire", 1, "金虾路5号");
  select_and_load (first, id);
  g_assert_true (bk_dispatch_panel_get_checked (first->panel, unit));

  /* The server goes away; the order is sent anyway. */
  server_fixture_stop (&dispatch.server);
  g_assert_true (bk_dispatch_desk_activate_shortcut (first->desk, "<Control>Return"));
  g_assert_true (wait_until (panel_has_message, first));
  g_test_message ("queued: %s", bk_dispatch_panel_get_message (first->panel));
  wait_unit_state (first, unit, BK_ORDER_LINE_PENDING);
  g_assert_cmpstr (bk_dispatch_panel_get_unit_state_text (first->panel, unit), ==,
                   C_("order state", "Pending"));
  outbox = bc_client_get_outbox (bk_window_get_client (first->window));
  g_assert_cmpuint (bc_outbox_get_n_waiting (outbox), ==, 1);

  /* The console is closed and opened again on the same outbox file; then the server is back. */
  console_close (first);
  ensure_app ();
  restart_server ();
  second = console_open ("dispatcher1");
  oc = (OrderCount) { id, 1 };
  g_assert_true (wait_until (orders_reach, &oc));

  /* Exactly once, also after the replays had time to repeat. */
  ui_spin_ms (2000);
  g_assert_cmpint (count ("SELECT count(*) FROM orders WHERE incident = %" G_GINT64_FORMAT, id), ==, 1);
  g_assert_cmpint (count ("SELECT count(*) FROM order_units WHERE unit = %" G_GINT64_FORMAT, unit),
                   ==, 1);
  g_assert_cmpuint (bc_outbox_get_n_waiting (bc_client_get_outbox (bk_window_get_client (second->window))),
                    ==, 0);

  /* The new console shows the order the old one queued. */
  select_and_load (second, id);
  wait_unit_state (second, unit, BK_ORDER_LINE_SENT);
}

/* ---- the fewest actions ------------------------------------------------------------------- */

static void
test_fewest_actions_select_and_ctrl_enter (void)
{
  g_autoptr(Console) console = NULL;
  gint64 id, best;
  guint actions = 0;
  OrderCount oc;

  ensure_server ();
  best = dispatch.units[6][0];
  console = console_open ("dispatcher1");
  id = create_incident_http (6, "criminal", 1, "长宁大道6号");
  wait_for_row (console, id);

  /* 1: click the incident in the queue. */
  click_row (console, id);
  actions++;
  /* 2: Ctrl+Enter, at once, while the recommendations may still be on their way. */
  g_assert_cmpstr (bk_dispatch_desk_lookup_shortcut (console->desk, "<Control>Return"), ==,
                   "desk.send");
  g_assert_true (bk_dispatch_desk_activate_shortcut (console->desk, "<Control>Return"));
  actions++;

  oc = (OrderCount) { id, 1 };
  g_assert_true (wait_until (orders_reach, &oc));
  g_assert_cmpint (count ("SELECT count(*) FROM order_units JOIN orders ON orders.id = order_id"
                          " WHERE orders.incident = %" G_GINT64_FORMAT " AND unit = %" G_GINT64_FORMAT,
                          id, best), ==, 1);
  g_test_message ("the best unit dispatched in %u actions", actions);
  g_assert_cmpuint (actions, <=, 3);
  wait_unit_state (console, best, BK_ORDER_LINE_SENT);
}

/* ---- command line ------------------------------------------------------------------------- */

static gboolean
command_idle (gpointer data)
{
  Console *console = data;

  return !bk_command_line_get_busy (console->command_line);
}

static void
run_command (Console    *console,
             const char *line)
{
  bk_command_line_set_text (console->command_line, line);
  bk_command_line_run (console->command_line);
  g_assert_true (wait_until (command_idle, console));
}

static const char *
last_four (BcIncident *incident)
{
  const char *number = bc_incident_get_number (incident);
  return number + strlen (number) - 4;
}

typedef struct
{
  Console *console;
  const char *number;
} NumberWait;

static gboolean
incident_known (gpointer data)
{
  NumberWait *wait = data;

  return bk_live_state_lookup_incident_by_number (bk_window_get_live_state (wait->console->window),
                                                  wait->number) != NULL;
}

static void
test_command_line_workflow (void)
{
  g_autoptr(Console) console = NULL;
  g_autofree char *unit1 = unit_call_sign (7, 0);
  g_autofree char *unit2 = unit_call_sign (7, 1);
  g_autofree char *line = NULL;
  BcIncident *incident;
  gboolean is_error;
  const char *feedback;
  gint64 id;
  double lat, lon;

  ensure_server ();
  console = console_open ("dispatcher1");
  area_center (7, &lat, &lon);

  /* n: a new incident at typed coordinates. */
  line = g_strdup_printf ("n rescue 3 %.5f,%.5f 老人走失 家属求助", lat, lon);
  run_command (console, line);
  feedback = bk_command_line_get_feedback (console->command_line, &is_error);
  g_test_message ("n: %s", feedback);
  g_assert_false (is_error);
  g_assert_cmpint (count ("SELECT count(*) FROM incidents WHERE description = '老人走失 家属求助'"
                          " AND type = 'rescue' AND priority = 3"), ==, 1);
  id = count ("SELECT id FROM incidents WHERE description = '老人走失 家属求助'");
  {
    NumberWait wait = { console, NULL };

    wait_for_row (console, id);
    incident = bk_incident_queue_lookup (console->queue, id);
    wait.number = bc_incident_get_number (incident);
    g_assert_true (wait_until (incident_known, &wait));
  }
  /* It is this seat's, and selected. */
  g_assert_true (bk_incident_queue_is_mine (console->queue, id));

  /* Completion: the command word, incident numbers, call signs. */
  bk_command_line_set_text (console->command_line, "d");
  g_assert_cmpuint (bk_command_line_get_n_completions (console->command_line), ==, 0);
  bk_command_line_set_text (console->command_line, "");
  bk_command_line_set_text (console->command_line, "d ");
  g_assert_cmpuint (bk_command_line_get_n_completions (console->command_line), >=, 1);
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("d %s 巡07", last_four (incident));
  bk_command_line_set_text (console->command_line, line);
  g_assert_cmpuint (bk_command_line_get_n_completions (console->command_line), >=, 2);
  g_assert_nonnull (g_strrstr (bk_command_line_get_completion (console->command_line, 0), "巡07-"));
  bk_command_line_complete (console->command_line, 0);
  g_assert_true (g_str_has_suffix (bk_command_line_get_text (console->command_line), " "));

  /* An unknown call sign is explained and nothing is sent. */
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("d %s 不存在99", last_four (incident));
  run_command (console, line);
  feedback = bk_command_line_get_feedback (console->command_line, &is_error);
  g_assert_true (is_error);
  g_assert_nonnull (strstr (feedback, "不存在99"));
  g_assert_cmpint (count ("SELECT count(*) FROM orders WHERE incident = %" G_GINT64_FORMAT, id), ==, 0);

  /* A mistyped status is explained, with the word selected. */
  run_command (console, "s 巡07-1 flying");
  feedback = bk_command_line_get_feedback (console->command_line, &is_error);
  g_assert_true (is_error);
  g_assert_nonnull (strstr (feedback, "flying"));

  /* d: by the last 4 digits, two units, one order. */
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("d %s %s %s", last_four (incident), unit1, unit2);
  run_command (console, line);
  feedback = bk_command_line_get_feedback (console->command_line, &is_error);
  g_test_message ("d: %s", feedback);
  g_assert_false (is_error);
  g_assert_cmpint (count ("SELECT count(*) FROM orders WHERE incident = %" G_GINT64_FORMAT, id), ==, 1);
  g_assert_cmpint (count ("SELECT count(*) FROM order_units JOIN orders ON orders.id = order_id"
                          " WHERE orders.incident = %" G_GINT64_FORMAT, id), ==, 2);

  /* s: a unit reports on scene. */
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("s %s 到场", unit1);
  run_command (console, line);
  feedback = bk_command_line_get_feedback (console->command_line, &is_error);
  g_test_message ("s: %s", feedback);
  g_assert_false (is_error);
  g_assert_cmpint (count ("SELECT count(*) FROM units WHERE id = %" G_GINT64_FORMAT
                          " AND status = 'on_scene'", dispatch.units[7][0]), ==, 1);

  /* c: closed with a disposition code. */
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("c %s resolved", last_four (incident));
  run_command (console, line);
  feedback = bk_command_line_get_feedback (console->command_line, &is_error);
  g_test_message ("c: %s", feedback);
  g_assert_false (is_error);
  g_assert_cmpint (count ("SELECT count(*) FROM incidents WHERE id = %" G_GINT64_FORMAT
                          " AND status = 'closed' AND disposition = 'resolved'", id), ==, 1);

  /* f: the find bar takes over. */
  run_command (console, "f 巡07");
  g_assert_cmpuint (bk_find_bar_get_n_matches (bk_window_get_find_bar (console->window)), >=, 1);
}

static void
test_command_line_new_incident_at_place (void)
{
  g_autoptr(Console) console = NULL;
  gboolean is_error;
  const char *feedback;
  gint64 before;

  ensure_server ();
  console = console_open ("dispatcher1");

  before = count ("SELECT count(*) FROM incidents WHERE address = '荆门市第一人民医院'");
  run_command (console, "n public_order 2 荆门市第一人民医院 医闹");
  feedback = bk_command_line_get_feedback (console->command_line, &is_error);
  g_test_message ("n: %s", feedback);
  g_assert_false (is_error);
  g_assert_cmpint (count ("SELECT count(*) FROM incidents WHERE address = '荆门市第一人民医院'"),
                   ==, before + 1);

  /* The same again is a probable duplicate: said, and created only when confirmed. */
  run_command (console, "n public_order 2 荆门市第一人民医院 医闹");
  feedback = bk_command_line_get_feedback (console->command_line, &is_error);
  g_test_message ("duplicate: %s", feedback);
  g_assert_true (is_error);
  g_assert_cmpint (count ("SELECT count(*) FROM incidents WHERE address = '荆门市第一人民医院'"),
                   ==, before + 1);
  bk_command_line_run (console->command_line);
  g_assert_true (wait_until (command_idle, console));
  g_assert_cmpint (count ("SELECT count(*) FROM incidents WHERE address = '荆门市第一人民医院'"),
                   ==, before + 2);

  /* A place nobody knows. */
  run_command (console, "n fire 1 火星基地 着火");
  feedback = bk_command_line_get_feedback (console->command_line, &is_error);
  g_assert_true (is_error);
  g_assert_nonnull (strstr (feedback, "火星基地"));
}

/* ---- new incident form -------------------------------------------------------------------- */

typedef struct
{
  Console *console;
  gint64 id;
} Selected;

static gboolean
queue_selected (gpointer data)
{
  Selected *s = data;

  return bk_incident_queue_get_selected (s->console->queue) == s->id;
}

static gboolean
dialog_gone (gpointer data)
{
  Console *console = data;

  return bk_dispatch_desk_get_new_incident_dialog (console->desk) == NULL;
}

static void
test_form_creates_incident (void)
{
  g_autoptr(Console) console = NULL;
  BkNewIncidentDialog *dialog;
  Selected selected;
  double lat, lon;

  ensure_server ();
  console = console_open ("dispatcher1");

  g_assert_cmpstr (bk_dispatch_desk_lookup_shortcut (console->desk, "<Control>n"), ==,
                   "desk.new-incident");
  g_assert_true (bk_dispatch_desk_activate_shortcut (console->desk, "<Control>n"));
  dialog = bk_dispatch_desk_get_new_incident_dialog (console->desk);
  g_assert_nonnull (dialog);

  bk_new_incident_dialog_set_incident_type (dialog, BC_INCIDENT_TYPE_SUSPICIOUS);
  bk_new_incident_dialog_set_priority (dialog, 3);
  /* A landmark of the gazetteer gives the location. */
  bk_new_incident_dialog_set_place (dialog, "荆楚理工学院");
  g_assert_true (bk_new_incident_dialog_get_location (dialog, &lat, &lon));
  bk_new_incident_dialog_set_caller (dialog, "李女士", "139 0000 0000");
  bk_new_incident_dialog_set_description (dialog, "校门口有可疑人员徘徊");

  {
    g_autofree char *path = NULL;
    ui_spin_ms (300);
    path = ui_save_screenshot (GTK_WIDGET (dialog), "dispatch-new-incident.png", WAIT_MS);
  }

  g_assert_true (bk_new_incident_dialog_submit (dialog));
  g_assert_true (wait_until (dialog_gone, console));

  g_assert_cmpint (count ("SELECT count(*) FROM incidents WHERE address = '荆楚理工学院'"
                          " AND type = 'suspicious' AND priority = 3"
                          " AND caller_name = '李女士' AND description = '校门口有可疑人员徘徊'"),
                   ==, 1);
  selected.console = console;
  selected.id = count ("SELECT id FROM incidents WHERE address = '荆楚理工学院'");
  g_assert_true (wait_until (queue_selected, &selected));
  g_assert_true (bk_incident_queue_is_mine (console->queue, selected.id));
}

static void
test_form_validates_inline (void)
{
  g_autoptr(Console) console = NULL;
  BkNewIncidentDialog *dialog;
  gint64 before = 0;

  ensure_server ();
  console = console_open ("dispatcher1");
  before = count ("SELECT count(*) FROM incidents");

  dialog = bk_dispatch_desk_new_incident (console->desk);
  bk_new_incident_dialog_set_place (dialog, "");
  bk_new_incident_dialog_set_caller (dialog, "", "138-abc");
  g_assert_false (bk_new_incident_dialog_submit (dialog));

  /* Without a place, the location is what is missing (an address is made from it). */
  g_assert_nonnull (bk_new_incident_dialog_get_field_error (dialog, "location"));
  g_assert_null (bk_new_incident_dialog_get_field_error (dialog, "place"));
  g_assert_nonnull (bk_new_incident_dialog_get_field_error (dialog, "caller-phone"));
  g_assert_null (bk_new_incident_dialog_get_field_error (dialog, "caller-name"));
  g_test_message ("phone: %s", bk_new_incident_dialog_get_field_error (dialog, "caller-phone"));

  /* Errors follow the typing once shown. */
  bk_new_incident_dialog_set_caller (dialog, "", "138 0000 0000");
  g_assert_null (bk_new_incident_dialog_get_field_error (dialog, "caller-phone"));
  bk_new_incident_dialog_set_coordinates (dialog, "31.2, 200");
  g_assert_nonnull (bk_new_incident_dialog_get_field_error (dialog, "location"));
  bk_new_incident_dialog_set_coordinates (dialog, "31.0400, 112.1900");
  g_assert_null (bk_new_incident_dialog_get_field_error (dialog, "location"));
  /* Coordinates alone: the nearest place stands for the address. */
  g_assert_null (bk_new_incident_dialog_get_field_error (dialog, "place"));

  {
    g_autofree char *path = NULL;
    bk_new_incident_dialog_set_caller (dialog, "", "x");
    ui_spin_ms (300);
    path = ui_save_screenshot (GTK_WIDGET (dialog), "dispatch-new-incident-errors.png", WAIT_MS);
  }

  g_assert_cmpint (count ("SELECT count(*) FROM incidents"), ==, before);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_form_location_picked_on_map (void)
{
  g_autoptr(Console) console = NULL;
  BkNewIncidentDialog *dialog;
  BkMapView *map_view;
  GtkWidget *map;
  GtkGesture *click = NULL;
  g_autoptr(GListModel) controllers = NULL;
  double x, y, want_lat, want_lon, lat, lon;

  ensure_server ();
  console = console_open ("dispatcher1");
  map_view = bk_window_get_map_view (console->window);
  map = GTK_WIDGET (bk_map_view_get_map (map_view));

  dialog = bk_dispatch_desk_new_incident (console->desk);
  bk_new_incident_dialog_pick_on_map (dialog);
  g_assert_true (bk_map_view_get_picking (map_view));

  /* A click a quarter of the way in from the top left corner of the map. */
  x = gtk_widget_get_width (map) / 4.0;
  y = gtk_widget_get_height (map) / 4.0;
  shumate_viewport_widget_coords_to_location (bk_map_view_get_viewport (map_view), map, x, y,
                                              &want_lat, &want_lon);
  controllers = gtk_widget_observe_controllers (map);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (controller)
          && gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        click = GTK_GESTURE (controller);
    }
  g_assert_nonnull (click);
  g_signal_emit_by_name (click, "pressed", 1, x, y);

  g_assert_false (bk_map_view_get_picking (map_view));
  g_assert_true (bk_new_incident_dialog_get_location (dialog, &lat, &lon));
  g_assert_cmpfloat_with_epsilon (lat, want_lat, 1e-9);
  g_assert_cmpfloat_with_epsilon (lon, want_lon, 1e-9);
  /* The picked point did not select anything on the map. */
  g_assert_cmpint (bk_map_view_get_selection (map_view, NULL), ==, BK_OBJECT_NONE);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
note_count_reached (gpointer data)
{
  gint64 *id = data;

  return count ("SELECT count(*) FROM notes WHERE incident = %" G_GINT64_FORMAT, *id) >= 1;
}

static void
test_form_duplicate_becomes_note (void)
{
  g_autoptr(Console) console = NULL;
  BkNewIncidentDialog *dialog;
  gint64 existing, before;
  g_autofree char *coords = NULL;
  double lat, lon;

  ensure_server ();
  console = console_open ("dispatcher1");
  existing = create_incident_http (8, "traffic", 2, "长兴路8号");
  wait_for_row (console, existing);
  before = count ("SELECT count(*) FROM incidents");

  /* A second call about the same accident, 100 m away. */
  area_center (8, &lat, &lon);
  coords = g_strdup_printf ("%.6f, %.6f", lat + 100 / 111320.0, lon);
  dialog = bk_dispatch_desk_new_incident (console->desk);
  bk_new_incident_dialog_set_incident_type (dialog, BC_INCIDENT_TYPE_TRAFFIC);
  bk_new_incident_dialog_set_priority (dialog, 2);
  bk_new_incident_dialog_set_coordinates (dialog, coords);
  bk_new_incident_dialog_set_caller (dialog, "赵先生", "13600000000");
  bk_new_incident_dialog_set_description (dialog, "路口两车相撞");

  g_assert_true (bk_new_incident_dialog_submit (dialog));
  g_assert_nonnull (bk_new_incident_dialog_get_duplicate (dialog));
  g_assert_cmpint (bc_incident_get_id (bk_new_incident_dialog_get_duplicate (dialog)), ==, existing);
  {
    g_autofree char *path = NULL;
    ui_spin_ms (400);
    path = ui_save_screenshot (GTK_WIDGET (dialog), "dispatch-duplicate.png", WAIT_MS);
  }

  g_assert_true (bk_new_incident_dialog_add_to_duplicate (dialog));
  g_assert_true (wait_until (dialog_gone, console));
  g_assert_true (wait_until (note_count_reached, &existing));
  g_assert_cmpint (count ("SELECT count(*) FROM notes WHERE incident = %" G_GINT64_FORMAT
                          " AND text LIKE '%%赵先生%%路口两车相撞%%'", existing), ==, 1);
  g_assert_cmpint (count ("SELECT count(*) FROM incidents"), ==, before);

  /* Another type at the same place is not a duplicate. */
  g_assert_null (bk_find_duplicate_incident (bk_window_get_live_state (console->window),
                                             BC_INCIDENT_TYPE_FIRE, lat, lon, g_get_real_time ()));
  /* Nor the same type 300 m away. */
  g_assert_null (bk_find_duplicate_incident (bk_window_get_live_state (console->window),
                                             BC_INCIDENT_TYPE_TRAFFIC, lat + 300 / 111320.0, lon,
                                             g_get_real_time ()));
  /* Nor one reported 11 minutes before. */
  g_assert_null (bk_find_duplicate_incident (bk_window_get_live_state (console->window),
                                             BC_INCIDENT_TYPE_TRAFFIC, lat, lon,
                                             g_get_real_time () + 11 * 60 * G_USEC_PER_SEC));
}

/* ---- lifecycle and timeline --------------------------------------------------------------- */

typedef struct
{
  Console *console;
  const char *prefix;
} EntryWait;

static gboolean
timeline_has (gpointer data)
{
  EntryWait *wait = data;
  guint n = bk_timeline_get_n_entries (wait->console->timeline);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *entry = bk_timeline_dup_entry (wait->console->timeline, i);
      if (g_str_has_prefix (entry, wait->prefix))
        return TRUE;
    }
  return FALSE;
}

static void
wait_timeline (Console    *console,
               const char *prefix)
{
  EntryWait wait = { console, prefix };

  if (!wait_until (timeline_has, &wait))
    g_error ("no timeline entry %s", prefix);
}

static void
test_lifecycle_timeline (void)
{
  g_autoptr(Console) console = NULL;
  gint64 id, unit, order_id;
  BkMapView *map_view;
  char text[32];
  static const char * const order[] = {
    "created", "order", "ack", "on_scene", "note", "closed",
  };

  ensure_server ();
  unit = dispatch.units[9][0];
  console = console_open ("dispatcher1");
  id = create_incident_http (9, "dispute", 3, "学府路9号");
  select_and_load (console, id);
  wait_timeline (console, "created");

  g_assert_true (bk_dispatch_panel_send (console->panel));
  wait_unit_state (console, unit, BK_ORDER_LINE_SENT);
  wait_timeline (console, "order");
  order_id = count ("SELECT id FROM orders WHERE incident = %" G_GINT64_FORMAT, id);

  ack_as_unit (9, 0, order_id);
  wait_timeline (console, "ack");

  /* The unit, selected on the map, reports on scene with Alt+3. */
  map_view = bk_window_get_map_view (console->window);
  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, unit);
  g_assert_true (bk_map_view_select (map_view, BK_OBJECT_UNIT, text, FALSE));
  g_assert_cmpint (bk_dispatch_desk_get_selected_unit (console->desk), ==, unit);
  g_assert_cmpstr (bk_dispatch_desk_lookup_shortcut (console->desk, "<Alt>3"), ==,
                   "desk.unit-status");
  g_assert_true (bk_dispatch_desk_activate_shortcut (console->desk, "<Alt>3"));
  g_assert_true (wait_until (command_idle, console));
  wait_timeline (console, "on_scene");
  g_assert_cmpint (count ("SELECT count(*) FROM incidents WHERE id = %" G_GINT64_FORMAT
                          " AND status = 'on_scene'", id), ==, 1);

  /* A note with its author. */
  ui_spin_ms (1100);
  g_assert_true (bk_timeline_add_note (console->timeline, "双方情绪稳定，已调解"));
  wait_timeline (console, "note: ");
  ui_spin_ms (1100);

  bk_dispatch_panel_close_incident (console->panel, "mediated");
  wait_timeline (console, "closed");
  g_assert_cmpint (count ("SELECT count(*) FROM incidents WHERE id = %" G_GINT64_FORMAT
                          " AND status = 'closed' AND disposition = 'mediated'", id), ==, 1);

  /* In the order things happened. */
  {
    guint next = 0;

    for (guint i = 0; i < bk_timeline_get_n_entries (console->timeline); i++)
      {
        g_autofree char *entry = bk_timeline_dup_entry (console->timeline, i);
        g_test_message ("timeline %u: %s", i, entry);
        if (next < G_N_ELEMENTS (order) && g_str_has_prefix (entry, order[next]))
          next++;
      }
    g_assert_cmpuint (next, ==, G_N_ELEMENTS (order));
  }

  gtk_stack_set_visible_child_name (GTK_STACK (ui_find_by_id (GTK_WIDGET (console->desk), "work_stack")),
                                    "timeline");
  {
    g_autofree char *path = NULL;
    ui_spin_ms (300);
    path = ui_save_screenshot (GTK_WIDGET (console->window), "dispatch-timeline.png", WAIT_MS);
  }
}

/* ---- shortcuts ---------------------------------------------------------------------------- */

static void
collect_accels (GtkWidget *widget,
                GString   *all)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *accel = NULL;
      g_object_get (widget, "accelerator", &accel, NULL);
      g_string_append_printf (all, " %s ", accel);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_accels (child, all);
}

static void
test_shortcuts_window_lists_every_shortcut (void)
{
  static const char * const triggers[] = {
    "<Control>Return", "<Control>n", "<Control>l", "<Control>Up", "<Control>Down", "<Control>0",
    "<Control>i", "F5", "<Alt>r", "<Alt>s", "<Alt>c", "<Alt>x", "<Alt>n", "<Alt>d", "<Alt>t",
    "<Alt>1", "<Alt>2", "<Alt>3", "<Alt>4",
  };
  g_autoptr(Console) console = NULL;
  GtkShortcutsWindow *overlay;
  g_autoptr(GString) all = g_string_new (NULL);

  ensure_server ();
  console = console_open ("dispatcher1");

  /* GtkApplication gives every window the overlay (Ctrl+?). */
  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (console->window));
  g_assert_nonnull (overlay);
  collect_accels (GTK_WIDGET (overlay), all);
  g_test_message ("shortcuts window: %s", all->str);

  for (guint i = 0; i < G_N_ELEMENTS (triggers); i++)
    {
      g_autofree char *needle = g_strdup_printf (" %s", triggers[i]);

      g_assert_nonnull (bk_dispatch_desk_lookup_shortcut (console->desk, triggers[i]));
      if (strstr (all->str, needle) == NULL)
        g_error ("%s is not in the shortcuts window", triggers[i]);
    }
  g_assert_nonnull (strstr (all->str, "slash"));

  /* Not presented here: GTK 4.8's shortcuts window warns about a label of its own
   * ("reported min width -3") when it is laid out, which test mode makes fatal. */
}

/* ---- screenshot --------------------------------------------------------------------------- */

static void
test_screenshot_queue_and_panel (void)
{
  g_autoptr(Console) console = NULL;
  gint64 ids[6];
  g_autofree char *path = NULL;

  ensure_server ();
  console = console_open ("dispatcher1");
  ids[0] = create_incident_http (10, "criminal", 1, "长宁大道88号金融大厦");
  ids[1] = create_incident_http (11, "traffic", 2, "象山大道与白庙路交叉口");
  ids[2] = create_incident_http (12, "dispute", 3, "月亮湖路32号");
  ids[3] = create_incident_http (13, "suspicious", 4, "培公大道东宝公园北门");
  ids[4] = create_incident_http (14, "fire", 1, "金虾路与海慧路交叉口");
  ids[5] = create_incident_http (15, "rescue", 2, "泉口路与海慧路交叉口");
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    wait_for_row (console, ids[i]);

  select_and_load (console, ids[1]);
  bk_dispatch_panel_set_checked (console->panel, dispatch.units[11][1], TRUE);
  bk_dispatch_panel_set_instructions (console->panel, "立即前往现场，注意疏导交通");
  bk_command_line_set_text (console->command_line, "d ");
  bk_command_line_focus (console->command_line);
  bk_command_line_set_text (console->command_line, "d ");
  ui_spin_ms (1500);
  path = ui_save_screenshot (GTK_WIDGET (console->window), "dispatch-console.png", WAIT_MS);
}

/* ---- main --------------------------------------------------------------------------------- */

static gboolean
log_fatal_cb (const char     *log_domain,
              GLogLevelFlags  log_level,
              const char     *message,
              gpointer        user_data)
{
  /* The server logs the requests that fail while it is stopped and started again; the
   * client warns about nothing the tests cause on purpose. */
  if (g_strcmp0 (log_domain, "beacon-server") == 0)
    return FALSE;
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  int result;

  ui_test_init (&argc, &argv, "icon.svg");

  gtk_init ();
  adw_init ();

  g_test_add_func ("/dispatch/queue/sort-order-and-filters", test_queue_sorted_by_status_priority_age);
  g_test_add_func ("/dispatch/queue/new-urgent-incident-rings-and-highlights", test_queue_new_urgent_incident_alerts);
  g_test_add_func ("/dispatch/queue/overdue-row-turns-red", test_queue_overdue_turns_red);
  g_test_add_func ("/dispatch/panel/two-units-one-order-seen-by-second-console", test_panel_two_units_one_order);
  g_test_add_func ("/dispatch/panel/race-for-one-unit-exactly-one-order", test_panel_race_for_one_unit);
  g_test_add_func ("/dispatch/panel/ack-by-radio-recorded-for-unit", test_panel_ack_by_radio);
  g_test_add_func ("/dispatch/outbox/queued-offline-arrives-once-after-restart", test_outbox_queued_order_arrives_once);
  g_test_add_func ("/dispatch/fewest-actions/select-then-ctrl-enter", test_fewest_actions_select_and_ctrl_enter);
  g_test_add_func ("/dispatch/command-line/new-dispatch-status-close-find", test_command_line_workflow);
  g_test_add_func ("/dispatch/command-line/new-at-place-with-duplicate-check", test_command_line_new_incident_at_place);
  g_test_add_func ("/dispatch/form/creates-incident-at-landmark", test_form_creates_incident);
  g_test_add_func ("/dispatch/form/validates-inline", test_form_validates_inline);
  g_test_add_func ("/dispatch/form/location-picked-on-map", test_form_location_picked_on_map);
  g_test_add_func ("/dispatch/form/duplicate-becomes-note", test_form_duplicate_becomes_note);
  g_test_add_func ("/dispatch/lifecycle/timeline-in-order", test_lifecycle_timeline);
  g_test_add_func ("/dispatch/shortcuts/window-lists-every-shortcut", test_shortcuts_window_lists_every_shortcut);
  g_test_add_func ("/dispatch/screenshots/queue-and-panel", test_screenshot_queue_and_panel);

  result = g_test_run ();

  if (dispatch.started)
    server_fixture_stop (&dispatch.server);
  g_clear_object (&dispatch.app);
  return result;
}
