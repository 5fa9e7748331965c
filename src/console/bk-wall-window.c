/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-wall"

#include "config.h"

#include "bk-wall-window.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bk-application.h"
#include "bk-format.h"
#include "bk-style.h"

/* The city overview: Jingmen's central districts and the counties around them. */
#define HOME_LAT   31.0355
#define HOME_LON   112.2040
#define HOME_ZOOM  12.5
/* A new P1 incident is shown this close. */
#define FOCUS_ZOOM 15.0
#define FOCUS_HOLD_MS   (20 * 1000)
#define STATS_MS        (60 * 1000)
#define ROTATE_MS       (30 * 1000)
/* Incidents created: the counts follow a little later, several creations in one request. */
#define STATS_SOON_MS   3000
#define LOGIN_FIRST_MS  1000
#define LOGIN_MAX_MS    (60 * 1000)
#define POINTER_IDLE_MS 3000
/* wall.ini is a few lines; anything much larger is not one. */
#define CONFIG_MAX_BYTES (64 * 1024)

/* The layout is designed for 1080 logical pixels of height; everything scales from there. */
#define DESIGN_HEIGHT 1080.0

#define N_PERIODS (BC_STATS_PERIOD_QUARTER + 1)

typedef struct
{
  GtkWidget *row;
  GtkLabel  *badge;
  GtkLabel  *type;
  GtkLabel  *address;
  GtkLabel  *age;
  gint64     id;
  gint64     created_at;
} NewestRow;

struct _BkWallWindow
{
  GtkApplicationWindow parent_instance;

  GSettings *settings;           /* the wall's own, in memory: it never moves a console's view */
  SoupSession *session;
  GtkCssProvider *size_provider;
  double type_scale;

  /* Credentials, kept for the re-login after the session expires. */
  char *server;
  char *username;
  char *password;

  BcClient *client;
  BkLiveState *live_state;
  GCancellable *cancellable;
  gboolean signed_in_once;
  gboolean in_error;

  guint login_attempt;
  guint login_retry_id;
  gint64 login_failing_since;    /* real time of the first failed login in a row, or 0 */
  char *login_error;

  guint clock_id;
  guint recount_id;
  guint stats_id;
  guint stats_soon_id;
  guint rotate_id;
  guint focus_id;
  guint pointer_id;
  guint stats_ms;
  guint rotate_ms;
  guint focus_hold_ms;

  BcStatsSummary *summaries[N_PERIODS];
  guint stats_pending;
  gboolean stats_round_ok;
  gboolean stats_again;
  guint n_refreshes;
  BcStatsPeriod trend_period;

  gint64 focus_incident;
  double home_lat;
  double home_lon;
  double home_zoom;

  NewestRow newest[BK_WALL_N_NEWEST];
  GtkLabel *open_labels[BC_STATS_N_PRIORITIES];
  GtkWidget *open_cells_w[BC_STATS_N_PRIORITIES];
  GtkLabel *unit_labels[BC_STATS_N_STATUSES];
  BkChart *chart;
  char *clock_text;

  GtkLabel *title_label;
  GtkWidget *connection_box;
  GtkLabel *connection_label;
  GtkLabel *date_label;
  GtkLabel *clock_label;
  GtkRevealer *banner;
  GtkLabel *banner_label;
  BkMapView *map_view;
  GtkWidget *column;
  GtkLabel *open_total;
  GtkBox *open_cells;
  GtkBox *unit_cells;
  GtkLabel *today_value;
  GtkLabel *change_value;
  GtkLabel *last_week_value;
  GtkLabel *dispatch_value;
  GtkLabel *response_value;
  GtkBox *chart_box;
  GtkLabel *trend_title;
  GtkLabel *trend_summary;
  GtkBox *newest_box;
  GtkWidget *newest_empty;
  GtkWidget *error_box;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE (BkWallWindow, bk_wall_window, GTK_TYPE_APPLICATION_WINDOW)

static void start_login       (BkWallWindow *self);
static void go_home           (BkWallWindow *self,
                               gboolean      animate);
static void refresh_stats     (BkWallWindow *self);
static void update_connection (BkWallWindow *self);

/* ---- wall.ini ----------------------------------------------------------------------------- */

void
bk_wall_config_free (BkWallConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->server);
  g_free (config->username);
  if (config->password != NULL)
    {
      /* Not left lying in freed memory longer than needed. */
      memset (config->password, 0, strlen (config->password));
      g_free (config->password);
    }
  g_free (config);
}

char *
bk_wall_config_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "beacon", "wall.ini", NULL);
}

static gboolean
valid_server_url (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);

  return uri != NULL
         && (g_strcmp0 (g_uri_get_scheme (uri), "http") == 0
             || g_strcmp0 (g_uri_get_scheme (uri), "https") == 0)
         && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

static char *
config_string (GKeyFile    *keys,
               const char  *path,
               const char  *key,
               GError     **error)
{
  g_autofree char *value = g_key_file_get_string (keys, "wall", key, NULL);

  if (value != NULL)
    g_strstrip (value);
  if (value == NULL || *value == '\0')
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                   _("%s has no “%s” in its [wall] group"), path, key);
      return NULL;
    }
  return g_steal_pointer (&value);
}

BkWallConfig *
bk_wall_config_load (const char  *path,
                     const char  *server_override,
                     GError     **error)
{
  g_autoptr(BkWallConfig) config = NULL;
  g_autoptr(GKeyFile) keys = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *home = NULL;
  struct stat st;
  gsize length = 0;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  /* One descriptor for the check and the read, so the file checked is the file read. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     _("No wall configuration: create %s with a [wall] group holding server, "
                       "username and password, then chmod 600 it"), path);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                     _("Cannot read the wall configuration %s: %s"), path, g_strerror (saved));
      return NULL;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _("The wall configuration %s is not a regular file"), path);
      return NULL;
    }

  /* It holds a password: like an ssh key, only its owner may read it. */
  if ((st.st_mode & 077) != 0)
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("The wall configuration %s holds a password but other users may read it "
                     "(mode %03o); run: chmod 600 %s"), path, (unsigned) (st.st_mode & 0777),
                   path);
      return NULL;
    }

  if (st.st_size > CONFIG_MAX_BYTES)
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The wall configuration %s is too large to be one"), path);
      return NULL;
    }

  contents = g_malloc (st.st_size + 1);
  while (length < (gsize) st.st_size)
    {
      gssize n = read (fd, contents + length, st.st_size - length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      length += n;
    }
  contents[length] = '\0';
  close (fd);

  keys = g_key_file_new ();
  if (!g_key_file_load_from_data (keys, contents, length, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                   _("Cannot read the wall configuration %s: %s"), path, local_error->message);
      return NULL;
    }
  memset (contents, 0, length);

  config = g_new0 (BkWallConfig, 1);
  if (server_override != NULL)
    config->server = g_strdup (server_override);
  else if ((config->server = config_string (keys, path, "server", error)) == NULL)
    return NULL;
  if (!valid_server_url (config->server))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _("Invalid server address “%s”: expected http://HOST:PORT"), config->server);
      return NULL;
    }
  if ((config->username = config_string (keys, path, "username", error)) == NULL)
    return NULL;
  if ((config->password = config_string (keys, path, "password", error)) == NULL)
    return NULL;

  home = g_key_file_get_string (keys, "wall", "home", NULL);
  if (home != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (home, ",", -1);
      double v[3];
      guint i;

      for (i = 0; parts[i] != NULL && i < 3; i++)
        {
          char *end = NULL;

          g_strstrip (parts[i]);
          v[i] = g_ascii_strtod (parts[i], &end);
          if (end == parts[i] || *end != '\0')
            break;
        }
      if (i != 3 || parts[3] != NULL || fabs (v[0]) > 85 || fabs (v[1]) > 180
          || v[2] < 1 || v[2] > 20)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       _("Invalid home view “%s” in %s: expected latitude,longitude,zoom"),
                       home, path);
          return NULL;
        }
      config->has_home = TRUE;
      config->home_lat = v[0];
      config->home_lon = v[1];
      config->home_zoom = v[2];
    }

  return g_steal_pointer (&config);
}

/* ---- type size ---------------------------------------------------------------------------- */

/* GTK 4.8's CSS has no variables or calc(): the sizes are written out for the scale. */
static void
apply_type_scale (BkWallWindow *self,
                  double        scale)
{
  g_autoptr(GString) css = g_string_new (NULL);
  struct { const char *selector; double font; double pad_v; double pad_h; } rules[] = {
    { ".wall-header", 0, 8, 28 },
    { ".wall-title", 32, 0, 0 },
    { ".wall-date", 22, 0, 0 },
    { ".wall-clock", 34, 0, 0 },
    { ".wall-connection", 22, 0, 0 },
    { ".wall-banner", 30, 12, 28 },
    { ".wall-column", 0, 4, 6 },
    { ".wall-tile", 0, 6, 14 },
    { ".tile-title", 22, 0, 0 },
    { ".tile-aside", 24, 0, 0 },
    { ".tile-value", 58, 0, 0 },
    { ".tile-kpi", 32, 0, 0 },
    { ".tile-note", 19, 0, 0 },
    { ".tile-change", 28, 0, 0 },
    { ".cell-value", 46, 0, 0 },
    { ".cell-name", 20, 0, 0 },
    { ".newest-row", 0, 3, 0 },
    { ".newest-badge", 20, 1, 8 },
    { ".newest-type", 23, 0, 0 },
    { ".newest-address", 22, 0, 0 },
    { ".newest-age", 24, 0, 0 },
    { ".wall-error", 28, 36, 48 },
    { ".wall-error-title", 44, 0, 0 },
    { "bk-map-view .map-card label", 18, 0, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      g_string_append_printf (css, "window.wall %s {", rules[i].selector);
      if (rules[i].font > 0)
        g_string_append_printf (css, " font-size: %.0fpx;", rules[i].font * scale);
      if (rules[i].pad_v > 0 || rules[i].pad_h > 0)
        g_string_append_printf (css, " padding: %.0fpx %.0fpx;", rules[i].pad_v * scale,
                                rules[i].pad_h * scale);
      g_string_append (css, " }\n");
    }
  g_string_append_printf (css, "window.wall .wall-tile { margin: %.0fpx; border-radius: %.0fpx; }\n",
                          4 * scale, 6 * scale);
  g_string_append_printf (css, "window.wall .wall-tile-row .wall-tile { margin: %.0fpx; }\n",
                          4 * scale);
  g_string_append_printf (css, "window.wall .wall-led { min-width: %.0fpx; min-height: %.0fpx; }\n",
                          16 * scale, 16 * scale);
  g_string_append_printf (css, "window.wall .newest-badge { border-radius: %.0fpx; "
                          "margin-right: %.0fpx; }\n", 4 * scale, 12 * scale);
  g_string_append_printf (css, "window.wall .wall-error { border-radius: %.0fpx; }\n",
                          12 * scale);
  /* The legend's swatches are empty labels: with the legend's wall-sized type they would
   * grow into tall pills of its line height, so they get a tiny font and a fixed square. */
  g_string_append_printf (css, "window.wall bk-map-view .map-card label.legend-swatch { "
                          "font-size: 1px; padding: 0; min-width: %.0fpx; min-height: %.0fpx; }\n",
                          14 * scale, 14 * scale);
  g_string_append_printf (css, "window.wall .p1, window.wall .p2, window.wall .p3, "
                          "window.wall .p4 { margin: 0 %.0fpx; padding-bottom: %.0fpx; }\n",
                          4 * scale, 2 * scale);

  gtk_css_provider_load_from_data (self->size_provider, css->str, css->len);
  self->type_scale = scale;
  if (self->chart != NULL)
    bk_chart_set_scale (self->chart, 1.4 * scale);
}

static gboolean
rescale_idle_cb (gpointer user_data)
{
  BkWallWindow *self = user_data;
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  /* Steps of 1/20, so that a resize by a few pixels does not restyle everything. */
  double scale = CLAMP (round (height / DESIGN_HEIGHT * 20.0) / 20.0, 0.5, 4.0);

  if (height > 0 && scale != self->type_scale)
    {
      apply_type_scale (self, scale);
      if (self->focus_incident == 0)
        go_home (self, FALSE);
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
bk_wall_window_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  BkWallWindow *self = BK_WALL_WINDOW (widget);
  double scale = CLAMP (round (height / DESIGN_HEIGHT * 20.0) / 20.0, 0.5, 4.0);

  GTK_WIDGET_CLASS (bk_wall_window_parent_class)->size_allocate (widget, width, height, baseline);

  /* Restyling during an allocation would queue another one: do it right after. */
  if (height > 0 && scale != self->type_scale)
    g_idle_add_full (G_PRIORITY_HIGH_IDLE, rescale_idle_cb, g_object_ref (self), NULL);
}

/* ---- clock and ages ----------------------------------------------------------------------- */

static gboolean clock_tick_cb (gpointer user_data);

/* Each tick waits for the next wall-clock second (see bk-window.c for why). */
static void
schedule_clock (BkWallWindow *self)
{
  gint64 now = g_get_real_time ();
  guint delay_ms = (guint) ((G_USEC_PER_SEC - now % G_USEC_PER_SEC) / 1000) + 5;

  self->clock_id = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, clock_tick_cb, self, NULL);
}

static void
update_ages (BkWallWindow *self)
{
  gint64 now = g_get_real_time ();

  for (guint i = 0; i < BK_WALL_N_NEWEST; i++)
    {
      g_autofree char *age = NULL;

      if (self->newest[i].id == 0)
        continue;
      age = bk_format_timer (now - self->newest[i].created_at);
      gtk_label_set_label (self->newest[i].age, age);
    }
}

static void
update_clock (BkWallWindow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, _("%Y-%m-%d %A"));

  g_free (self->clock_text);
  self->clock_text = g_date_time_format (now, "%H:%M:%S");
  gtk_label_set_label (self->clock_label, self->clock_text);
  gtk_label_set_label (self->date_label, date);
  update_ages (self);
}

static gboolean
clock_tick_cb (gpointer user_data)
{
  BkWallWindow *self = user_data;

  update_clock (self);
  schedule_clock (self);
  return G_SOURCE_REMOVE;
}

/* ---- connection state --------------------------------------------------------------------- */

static void
set_banner (BkWallWindow *self,
            const char   *text)
{
  gtk_label_set_label (self->banner_label, text != NULL ? text : "");
  gtk_revealer_set_reveal_child (self->banner, text != NULL);
  /* Figures that stopped updating are dimmed, not hidden: they are still the best there is. */
  if (text != NULL)
    gtk_widget_add_css_class (self->column, "stale");
  else
    gtk_widget_remove_css_class (self->column, "stale");
}

static void
update_connection (BkWallWindow *self)
{
  static const char * const classes[] = { "connected", "connecting", "reconnecting", "offline" };
  const char *css_class = "offline";
  const char *text;
  g_autofree char *banner = NULL;

  if (self->in_error)
    {
      text = _("Not signed in");
    }
  else if (self->client == NULL || bc_client_get_token (self->client) == NULL)
    {
      text = self->login_failing_since > 0 ? _("Reconnecting…") : _("Connecting…");
      css_class = self->login_failing_since > 0 ? "reconnecting" : "connecting";
      if (self->login_failing_since > 0)
        {
          g_autofree char *since = bk_format_hh_mm (self->login_failing_since);

          /* Translators: %s is a time (hh:mm), the second %s why signing in failed */
          banner = g_strdup_printf (_("Cannot sign in since %s: %s — retrying"), since,
                                    self->login_error != NULL ? self->login_error : "");
        }
    }
  else
    {
      switch (bc_client_get_connection_state (self->client))
        {
        case BC_CONNECTION_STATE_CONNECTED:
          text = _("Connected");
          css_class = "connected";
          break;

        case BC_CONNECTION_STATE_CONNECTING:
          text = _("Connecting…");
          css_class = "connecting";
          break;

        case BC_CONNECTION_STATE_RECONNECTING:
          text = _("Reconnecting…");
          css_class = "reconnecting";
          break;

        case BC_CONNECTION_STATE_OFFLINE:
        default:
          text = _("Offline");
          break;
        }

      if (bc_client_get_connection_state (self->client) != BC_CONNECTION_STATE_CONNECTED
          && bc_client_get_offline_since (self->client) > 0)
        {
          g_autofree char *since = bk_format_hh_mm (bc_client_get_offline_since (self->client));

          /* Translators: %s is the time (hh:mm) the connection was lost */
          banner = g_strdup_printf (_("Connection lost since %s"), since);
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (self->connection_box, classes[i]);
  gtk_widget_add_css_class (self->connection_box, css_class);
  gtk_label_set_label (self->connection_label, text);
  set_banner (self, banner);
}

/* ---- open incidents, units, the newest P1/P2 ---------------------------------------------- */

static int
compare_newest (gconstpointer a,
                gconstpointer b)
{
  BcIncident *x = *(BcIncident **) a;
  BcIncident *y = *(BcIncident **) b;
  gint64 cx = bc_incident_get_created_at (x), cy = bc_incident_get_created_at (y);

  if (cx != cy)
    return cx > cy ? -1 : 1;
  return bc_incident_get_id (x) > bc_incident_get_id (y) ? -1 : 1;
}

static void
set_count (GtkLabel *label,
           gint64    count)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, count);
  gtk_label_set_label (label, text);
}

static void
recount (BkWallWindow *self)
{
  gint64 open[BC_STATS_N_PRIORITIES] = { 0 };
  gint64 units[BC_STATS_N_STATUSES] = { 0 };
  g_autoptr(GPtrArray) high = g_ptr_array_new_with_free_func (g_object_unref);
  GListModel *incidents, *unit_list;
  guint n, shown = 0;

  if (self->live_state == NULL)
    return;

  incidents = bk_live_state_get_incidents (self->live_state);
  n = g_list_model_get_n_items (incidents);
  for (guint i = 0; i < n; i++)
    {
      BcIncident *incident = g_list_model_get_item (incidents, i);
      int priority = bc_incident_get_priority (incident);

      if (priority >= 1 && priority <= BC_STATS_N_PRIORITIES)
        open[priority - 1]++;
      if (priority <= 2)
        g_ptr_array_add (high, incident);
      else
        g_object_unref (incident);
    }

  unit_list = bk_live_state_get_units (self->live_state);
  for (guint i = 0; i < g_list_model_get_n_items (unit_list); i++)
    {
      g_autoptr(BcUnit) unit = g_list_model_get_item (unit_list, i);
      guint status = bc_unit_get_status (unit);

      if (status < BC_STATS_N_STATUSES)
        units[status]++;
    }

  for (guint p = 0; p < BC_STATS_N_PRIORITIES; p++)
    {
      set_count (self->open_labels[p], open[p]);
      if (open[p] == 0)
        gtk_widget_add_css_class (self->open_cells_w[p], "zero");
      else
        gtk_widget_remove_css_class (self->open_cells_w[p], "zero");
    }
  set_count (self->open_total, n);
  for (guint s = 0; s < BC_STATS_N_STATUSES; s++)
    set_count (self->unit_labels[s], units[s]);

  g_ptr_array_sort (high, compare_newest);
  for (guint i = 0; i < BK_WALL_N_NEWEST; i++)
    {
      NewestRow *row = &self->newest[i];

      if (i < high->len)
        {
          BcIncident *incident = g_ptr_array_index (high, i);
          int priority = bc_incident_get_priority (incident);
          char badge[16];
          const char *address = bc_incident_get_address (incident);

          row->id = bc_incident_get_id (incident);
          row->created_at = bc_incident_get_created_at (incident);
          g_snprintf (badge, sizeof badge, _("P%d"), priority);
          gtk_label_set_label (row->badge, badge);
          gtk_widget_remove_css_class (GTK_WIDGET (row->badge), priority == 1 ? "p2" : "p1");
          gtk_widget_add_css_class (GTK_WIDGET (row->badge), priority == 1 ? "p1" : "p2");
          gtk_label_set_label (row->type,
                               bc_incident_type_label (bc_incident_get_incident_type (incident)));
          gtk_label_set_label (row->address, address != NULL ? address : "");
          if (row->id == self->focus_incident)
            gtk_widget_add_css_class (row->row, "focus");
          else
            gtk_widget_remove_css_class (row->row, "focus");
          gtk_widget_set_visible (row->row, TRUE);
          shown++;
        }
      else
        {
          row->id = 0;
          gtk_widget_set_visible (row->row, FALSE);
        }
    }
  gtk_widget_set_visible (self->newest_empty, shown == 0);
  update_ages (self);
}

static gboolean
recount_idle_cb (gpointer user_data)
{
  BkWallWindow *self = user_data;

  self->recount_id = 0;
  recount (self);
  return G_SOURCE_REMOVE;
}

/* A snapshot changes hundreds of objects one signal at a time: count once afterwards, before
 * the next frame (a default idle could wait behind animations of the map for long). */
static void
schedule_recount (BkWallWindow *self)
{
  if (self->recount_id == 0)
    self->recount_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, recount_idle_cb, self, NULL);
}

/* ---- statistics --------------------------------------------------------------------------- */

static char *
format_median (double seconds)
{
  if (seconds < 0)
    return g_strdup ("—");
  return bk_format_duration ((gint64) (seconds * G_USEC_PER_SEC));
}

static char *
format_change (gint64      now,
               gint64      before,
               const char **css_class)
{
  double change;

  if (before <= 0)
    {
      *css_class = "same";
      return g_strdup ("—");
    }
  change = (double) (now - before) * 100.0 / (double) before;
  if (fabs (change) < 0.05)
    {
      *css_class = "same";
      return g_strdup ("= 0%");
    }
  *css_class = change > 0 ? "up" : "down";
  return g_strdup_printf ("%s %.1f%%", change > 0 ? "▲" : "▼", fabs (change));
}

static void
show_today (BkWallWindow *self)
{
  BcStatsSummary *day = self->summaries[BC_STATS_PERIOD_DAY];
  g_autofree char *text = NULL;
  g_autofree char *change = NULL;
  g_autofree char *dispatch = NULL;
  g_autofree char *response = NULL;
  const char *css_class = "same";
  char number[32];

  if (day == NULL)
    return;

  set_count (self->today_value, day->today_count);
  g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, day->last_week_count);
  /* Translators: %s is the number of incidents by this time on the same weekday last week */
  text = g_strdup_printf (_("Same time last week: %s"), number);
  gtk_label_set_label (self->last_week_value, text);

  change = format_change (day->today_count, day->last_week_count, &css_class);
  gtk_label_set_label (self->change_value, change);
  gtk_widget_remove_css_class (GTK_WIDGET (self->change_value), "up");
  gtk_widget_remove_css_class (GTK_WIDGET (self->change_value), "down");
  gtk_widget_remove_css_class (GTK_WIDGET (self->change_value), "same");
  gtk_widget_add_css_class (GTK_WIDGET (self->change_value), css_class);

  dispatch = format_median (day->current.dispatch_time.p50);
  response = format_median (day->current.response_time.p50);
  gtk_label_set_label (self->dispatch_value, dispatch);
  gtk_label_set_label (self->response_value, response);
}

static const char *
trend_title (BcStatsPeriod period)
{
  switch (period)
    {
    case BC_STATS_PERIOD_WEEK:
      return _("7 days to yesterday");
    case BC_STATS_PERIOD_MONTH:
      return _("30 days to yesterday");
    case BC_STATS_PERIOD_QUARTER:
      return _("90 days to yesterday");
    case BC_STATS_PERIOD_DAY:
    case BC_STATS_PERIOD_CUSTOM:
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

static void
show_trend (BkWallWindow *self)
{
  BcStatsSummary *summary = self->summaries[self->trend_period];
  g_autofree double *values = NULL;
  g_autofree double *previous = NULL;
  g_autofree char *summary_text = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  GArray *days, *previous_days;
  char now_text[32], before_text[32];

  gtk_label_set_label (self->trend_title, trend_title (self->trend_period));
  if (summary == NULL)
    {
      bk_chart_set_values (self->chart, NULL, 0, NULL);
      bk_chart_set_previous (self->chart, NULL, 0);
      gtk_label_set_label (self->trend_summary, "");
      return;
    }

  days = summary->current.by_day;
  previous_days = summary->previous.by_day;
  values = g_new0 (double, MAX (days->len, 1));
  previous = g_new0 (double, MAX (previous_days->len, 1));
  labels = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < days->len; i++)
    {
      BcStatsDay *day = &g_array_index (days, BcStatsDay, i);

      values[i] = (double) day->total;
      /* "MM-DD" of "YYYY-MM-DD" */
      g_ptr_array_add (labels, g_strdup (day->date + 5));
    }
  g_ptr_array_add (labels, NULL);
  for (guint i = 0; i < previous_days->len; i++)
    previous[i] = (double) g_array_index (previous_days, BcStatsDay, i).total;

  bk_chart_set_values (self->chart, values, days->len, (const char * const *) labels->pdata);
  bk_chart_set_previous (self->chart, previous, previous_days->len);

  g_snprintf (now_text, sizeof now_text, "%" G_GINT64_FORMAT, summary->current.total);
  g_snprintf (before_text, sizeof before_text, "%" G_GINT64_FORMAT, summary->previous.total);
  /* Translators: incidents in the period shown, and in the period of the same length before
   * it (the dashed line of the chart) */
  summary_text = g_strdup_printf (_("%s · previous %s"), now_text, before_text);
  gtk_label_set_label (self->trend_summary, summary_text);
}

typedef struct
{
  BkWallWindow *self;
  BcStatsPeriod period;
} StatsRequest;

static void
stats_round_done (BkWallWindow *self)
{
  if (self->stats_round_ok)
    self->n_refreshes++;
  if (self->stats_again)
    {
      self->stats_again = FALSE;
      refresh_stats (self);
    }
}

static void
stats_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  StatsRequest *request = user_data;
  g_autoptr(BkWallWindow) self = request->self;
  BcStatsPeriod period = request->period;
  g_autoptr(GError) error = NULL;
  BcStatsSummary *summary;

  g_free (request);
  summary = bc_client_stats_summary_finish (BC_CLIENT (object), result, &error);
  /* Only our own cancellation (the window closing) ends a round early; any other failure,
   * even one that says "cancelled" (a connection torn down under it), counts as an answer,
   * or the round would never finish and the wall would stop refreshing. */
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      g_clear_pointer (&summary, bc_stats_summary_unref);
      return;
    }

  g_assert (self->stats_pending > 0);
  self->stats_pending--;

  if (summary == NULL)
    {
      /* The last figures stay up; the next round tries again. */
      g_debug ("Statistics (%s): %s", bc_stats_period_to_string (period), error->message);
      self->stats_round_ok = FALSE;
    }
  else
    {
      /* One answer per period is kept, the previous one dropped: memory stays flat. */
      g_clear_pointer (&self->summaries[period], bc_stats_summary_unref);
      self->summaries[period] = summary;
      if (period == BC_STATS_PERIOD_DAY)
        show_today (self);
      else if (period == self->trend_period)
        show_trend (self);
    }

  if (self->stats_pending == 0)
    stats_round_done (self);
}

static void
refresh_stats (BkWallWindow *self)
{
  static const BcStatsPeriod periods[] = {
    BC_STATS_PERIOD_DAY, BC_STATS_PERIOD_WEEK, BC_STATS_PERIOD_MONTH, BC_STATS_PERIOD_QUARTER,
  };
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) yesterday = NULL;
  g_autofree char *end = NULL;

  if (self->client == NULL || bc_client_get_token (self->client) == NULL)
    return;
  /* One round at a time; a request for another while one runs makes one more after it. */
  if (self->stats_pending > 0)
    {
      self->stats_again = TRUE;
      return;
    }

  /* The trends end with yesterday, the last whole day: today's few hours at the end of the
   * line would read as a collapse. Today has its own tile. Days are China Standard Time. */
  tz = g_time_zone_new_offset (8 * 3600);
  now = g_date_time_new_now (tz);
  yesterday = g_date_time_add_days (now, -1);
  end = g_date_time_format (yesterday, "%Y-%m-%d");

  self->stats_round_ok = TRUE;
  self->stats_pending = G_N_ELEMENTS (periods);
  for (guint i = 0; i < G_N_ELEMENTS (periods); i++)
    {
      BcStatsQuery query = { periods[i], NULL, periods[i] == BC_STATS_PERIOD_DAY ? NULL : end,
                             NULL, NULL };
      StatsRequest *request = g_new0 (StatsRequest, 1);

      request->self = g_object_ref (self);
      request->period = periods[i];
      bc_client_stats_summary_async (self->client, &query, self->cancellable, stats_cb, request);
    }
}

static gboolean
stats_timer_cb (gpointer user_data)
{
  refresh_stats (BK_WALL_WINDOW (user_data));
  return G_SOURCE_CONTINUE;
}

static gboolean
stats_soon_cb (gpointer user_data)
{
  BkWallWindow *self = user_data;

  self->stats_soon_id = 0;
  refresh_stats (self);
  return G_SOURCE_REMOVE;
}

static void
restart_stats_timer (BkWallWindow *self)
{
  g_clear_handle_id (&self->stats_id, g_source_remove);
  self->stats_id = g_timeout_add (self->stats_ms, stats_timer_cb, self);
}

static gboolean
rotate_timer_cb (gpointer user_data)
{
  BkWallWindow *self = user_data;

  self->trend_period = self->trend_period == BC_STATS_PERIOD_QUARTER
                       ? BC_STATS_PERIOD_WEEK : self->trend_period + 1;
  show_trend (self);
  return G_SOURCE_CONTINUE;
}

/* ---- a new P1 ----------------------------------------------------------------------------- */

/* A larger wall of the same room shows the same area in more detail, not more of the
 * countryside: one zoom level more for each doubling of the size. */
static double
zoom_for_size (BkWallWindow *self,
               double        zoom)
{
  return zoom + log2 (MAX (self->type_scale, 0.5));
}

static void
go_home (BkWallWindow *self,
         gboolean      animate)
{
  bk_map_view_go_to (self->map_view, self->home_lat, self->home_lon,
                     zoom_for_size (self, self->home_zoom), animate);
}

static gboolean
focus_over_cb (gpointer user_data)
{
  BkWallWindow *self = user_data;

  self->focus_id = 0;
  self->focus_incident = 0;
  bk_map_view_clear_selection (self->map_view);
  go_home (self, TRUE);
  recount (self);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  BkWallWindow *self;
  gint64        id;
  double        lat;
  double        lon;
} Focus;

/* Several P1 incidents in a row: each new one takes the map and restarts the hold, rather
 * than queueing behind the others. The newest is the one nobody has looked at yet; the
 * earlier ones stay marked on the map and at the top of the newest-incidents list. */
static gboolean
focus_idle_cb (gpointer user_data)
{
  Focus *focus = user_data;
  BkWallWindow *self = focus->self;
  char id_text[32];

  g_snprintf (id_text, sizeof id_text, "%" G_GINT64_FORMAT, focus->id);
  self->focus_incident = focus->id;
  bk_map_view_go_to (self->map_view, focus->lat, focus->lon,
                     zoom_for_size (self, FOCUS_ZOOM), TRUE);
  /* The live state has applied the event by now (this runs after every handler). */
  bk_map_view_select (self->map_view, BK_OBJECT_INCIDENT, id_text, FALSE);
  g_clear_handle_id (&self->focus_id, g_source_remove);
  self->focus_id = g_timeout_add (self->focus_hold_ms, focus_over_cb, self);
  schedule_recount (self);

  g_object_unref (self);
  g_free (focus);
  return G_SOURCE_REMOVE;
}

static void
client_event_cb (BkWallWindow *self,
                 BcEvent      *event,
                 BcClient     *client)
{
  g_autoptr(BcIncident) incident = NULL;
  Focus *focus;

  if (!g_str_equal (event->type, BC_EVENT_INCIDENT_CREATED) || event->data == NULL)
    return;

  /* Today's count and the trend follow soon after, several creations in one request. */
  if (self->stats_soon_id == 0)
    self->stats_soon_id = g_timeout_add (STATS_SOON_MS, stats_soon_cb, self);

  incident = bc_incident_from_json (event->data, NULL);
  if (incident == NULL || bc_incident_get_priority (incident) != 1
      || !bc_incident_is_open (incident))
    return;

  focus = g_new0 (Focus, 1);
  focus->self = g_object_ref (self);
  focus->id = bc_incident_get_id (incident);
  focus->lat = bc_incident_get_lat (incident);
  focus->lon = bc_incident_get_lon (incident);
  g_idle_add_full (G_PRIORITY_HIGH_IDLE, focus_idle_cb, focus, NULL);
}

/* ---- signing in --------------------------------------------------------------------------- */

static void
connection_state_cb (BkWallWindow *self)
{
  update_connection (self);
  /* Back after a break: what happened meanwhile is in the statistics, not in any event. */
  if (self->client != NULL
      && bc_client_get_connection_state (self->client) == BC_CONNECTION_STATE_CONNECTED)
    refresh_stats (self);
}

static void
snapshot_loaded_cb (BkWallWindow *self)
{
  schedule_recount (self);
  refresh_stats (self);
}

static void
session_expired_cb (BkWallWindow *self)
{
  /* Sessions expire; a wall runs for weeks. Sign in again with the same credentials. */
  g_message ("The wall's session expired; signing in again");
  start_login (self);
}

static gboolean
login_retry_cb (gpointer user_data)
{
  BkWallWindow *self = user_data;

  self->login_retry_id = 0;
  start_login (self);
  return G_SOURCE_REMOVE;
}

static void
login_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BkWallWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  BcRole role;
  guint delay;

  if (!bc_client_login_finish (BC_CLIENT (object), result, &error))
    {
      /* As for the statistics: a failure that is not our own cancellation is retried. */
      if (g_cancellable_is_cancelled (self->cancellable))
        return;

      if (self->login_failing_since == 0)
        self->login_failing_since = g_get_real_time ();
      g_free (self->login_error);
      self->login_error = bk_format_client_error (error);
      /* A refused password will not fix itself soon; an absent server may be back any
       * second (a wall often starts before the server does). */
      if (g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_UNAUTHORIZED)
          || g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_FORBIDDEN))
        delay = LOGIN_MAX_MS;
      else
        delay = MIN ((guint64) LOGIN_FIRST_MS << MIN (self->login_attempt, 16), LOGIN_MAX_MS);
      self->login_attempt++;
      g_message ("Cannot sign in to %s as %s (%s); retrying in %u s", self->server,
                 self->username, error->message, delay / 1000);
      self->login_retry_id = g_timeout_add (delay, login_retry_cb, self);
      update_connection (self);
      return;
    }

  if (self->login_attempt > 0 || !self->signed_in_once)
    g_message ("Signed in to %s as %s", self->server, self->username);
  self->login_attempt = 0;
  self->login_failing_since = 0;
  g_clear_pointer (&self->login_error, g_free);

  role = bc_client_get_role (self->client);
  /* The wall writes nothing, so another role does no harm; a supervisor account is the one
   * meant for it (read-only, and no access to callers' personal data in the API). */
  if (role != BC_ROLE_SUPERVISOR)
    g_message ("The wall account “%s” has the role %s; a supervisor account is recommended",
               self->username, bc_role_to_string (role));

  if (self->live_state == NULL)
    {
      self->live_state = bk_live_state_new (self->client);
      g_signal_connect_object (self->live_state, "incident-changed",
                               G_CALLBACK (schedule_recount), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->live_state, "incident-removed",
                               G_CALLBACK (schedule_recount), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->live_state, "unit-changed",
                               G_CALLBACK (schedule_recount), self, G_CONNECT_SWAPPED);
      bk_map_view_set_live_state (self->map_view, self->live_state);
      bk_live_state_start (self->live_state);
    }
  self->signed_in_once = TRUE;
  update_connection (self);
  refresh_stats (self);
  restart_stats_timer (self);
}

static void
start_login (BkWallWindow *self)
{
  g_clear_handle_id (&self->login_retry_id, g_source_remove);
  if (self->in_error || self->server == NULL)
    return;

  if (self->client == NULL)
    {
      self->client = bc_client_new (self->server, self->session);
      g_signal_connect_object (self->client, "notify::connection-state",
                               G_CALLBACK (connection_state_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "notify::offline-since",
                               G_CALLBACK (update_connection), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "session-expired",
                               G_CALLBACK (session_expired_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "snapshot-loaded",
                               G_CALLBACK (snapshot_loaded_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "event",
                               G_CALLBACK (client_event_cb), self, G_CONNECT_SWAPPED);
    }

  bc_client_login_async (self->client, self->username, self->password, self->cancellable,
                         login_cb, g_object_ref (self));
  update_connection (self);
}

void
bk_wall_window_connect (BkWallWindow *self,
                        const char   *server,
                        const char   *username,
                        const char   *password)
{
  g_return_if_fail (BK_IS_WALL_WINDOW (self));
  g_return_if_fail (server != NULL && username != NULL && password != NULL);
  g_return_if_fail (self->client == NULL);

  g_free (self->server);
  g_free (self->username);
  g_free (self->password);
  self->server = g_strdup (server);
  self->username = g_strdup (username);
  self->password = g_strdup (password);
  self->in_error = FALSE;
  gtk_widget_set_visible (self->error_box, FALSE);
  start_login (self);
}

gboolean
bk_wall_window_connect_with_config (BkWallWindow  *self,
                                    const char    *path,
                                    const char    *server_override,
                                    GError       **error)
{
  g_autofree char *default_path = NULL;
  g_autoptr(BkWallConfig) config = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), FALSE);

  if (path == NULL)
    path = default_path = bk_wall_config_default_path ();

  config = bk_wall_config_load (path, server_override, &local_error);
  if (config == NULL)
    {
      g_printerr ("beacon --wall: %s\n", local_error->message);
      bk_wall_window_show_error (self, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (config->has_home)
    bk_wall_window_set_home (self, config->home_lat, config->home_lon, config->home_zoom);
  bk_wall_window_connect (self, config->server, config->username, config->password);
  return TRUE;
}

void
bk_wall_window_show_error (BkWallWindow *self,
                           const char   *message)
{
  g_return_if_fail (BK_IS_WALL_WINDOW (self));
  g_return_if_fail (message != NULL);

  self->in_error = TRUE;
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (self->error_box, TRUE);
  update_connection (self);
}

/* ---- the pointer -------------------------------------------------------------------------- */

static gboolean
pointer_idle_cb (gpointer user_data)
{
  BkWallWindow *self = user_data;

  self->pointer_id = 0;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "none");
  return G_SOURCE_REMOVE;
}

static void
pointer_moved_cb (BkWallWindow *self)
{
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
  g_clear_handle_id (&self->pointer_id, g_source_remove);
  self->pointer_id = g_timeout_add (POINTER_IDLE_MS, pointer_idle_cb, self);
}

/* ---- monitor ------------------------------------------------------------------------------ */

int
bk_wall_window_fullscreen_on (BkWallWindow *self,
                              int           monitor)
{
  GListModel *monitors;
  guint n;

  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), -1);

  monitors = gdk_display_get_monitors (gtk_widget_get_display (GTK_WIDGET (self)));
  n = g_list_model_get_n_items (monitors);

  if (monitor < 0)
    {
      /* The window manager chooses the monitor; the first one's size is only the size to
       * start with (and the size, where no window manager makes it full screen). */
      if (n > 0)
        {
          g_autoptr(GdkMonitor) first = g_list_model_get_item (monitors, 0);
          GdkRectangle geometry;

          gdk_monitor_get_geometry (first, &geometry);
          gtk_window_set_default_size (GTK_WINDOW (self), geometry.width, geometry.height);
        }
      gtk_window_fullscreen (GTK_WINDOW (self));
      return -1;
    }

  if ((guint) monitor >= n)
    {
      g_printerr (_("beacon --wall: there is no monitor %d (this display has %u); using the "
                    "first one\n"), monitor, n);
      monitor = 0;
    }

  if (n == 0)
    {
      gtk_window_fullscreen (GTK_WINDOW (self));
      return -1;
    }

  {
    g_autoptr(GdkMonitor) target = g_list_model_get_item (monitors, monitor);
    GdkRectangle geometry;

    /* Without a window manager (a bare X server on a wall controller) fullscreen is not
     * honoured: the size is asked for as well. */
    gdk_monitor_get_geometry (target, &geometry);
    gtk_window_set_default_size (GTK_WINDOW (self), geometry.width, geometry.height);
    gtk_window_fullscreen_on_monitor (GTK_WINDOW (self), target);
  }
  return monitor;
}

/* ---- construction ------------------------------------------------------------------------- */

static GtkWidget *
make_cell (const char  *css_class,
           const char  *name,
           GtkLabel   **value_out)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *value = gtk_label_new ("0");
  GtkWidget *label = gtk_label_new (name);

  gtk_widget_add_css_class (box, css_class);
  gtk_widget_add_css_class (value, "cell-value");
  gtk_widget_add_css_class (value, "numeric");
  gtk_widget_add_css_class (label, "cell-name");
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), value);
  gtk_box_append (GTK_BOX (box), label);
  *value_out = GTK_LABEL (value);
  return box;
}

static void
build_cells (BkWallWindow *self)
{
  static const char * const status_classes[] = {
    "available", "dispatched", "en_route", "on_scene", "off_duty",
  };

  for (guint p = 0; p < BC_STATS_N_PRIORITIES; p++)
    {
      char css_class[8], name[16];

      g_snprintf (css_class, sizeof css_class, "p%u", p + 1);
      /* Translators: an incident priority, P1 (highest) to P4 */
      g_snprintf (name, sizeof name, _("P%d"), (int) p + 1);
      self->open_cells_w[p] = make_cell (css_class, name, &self->open_labels[p]);
      gtk_box_append (self->open_cells, self->open_cells_w[p]);
    }

  G_STATIC_ASSERT (G_N_ELEMENTS (status_classes) == BC_STATS_N_STATUSES);
  for (guint s = 0; s < BC_STATS_N_STATUSES; s++)
    gtk_box_append (self->unit_cells,
                    make_cell (status_classes[s], bc_unit_status_label ((BcUnitStatus) s),
                               &self->unit_labels[s]));

  for (guint i = 0; i < BK_WALL_N_NEWEST; i++)
    {
      NewestRow *row = &self->newest[i];
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      GtkWidget *badge = gtk_label_new (NULL);
      GtkWidget *type = gtk_label_new (NULL);
      GtkWidget *address = gtk_label_new (NULL);
      GtkWidget *age = gtk_label_new (NULL);

      gtk_widget_add_css_class (box, "newest-row");
      gtk_widget_add_css_class (badge, "newest-badge");
      gtk_widget_add_css_class (type, "newest-type");
      gtk_widget_add_css_class (address, "newest-address");
      gtk_widget_add_css_class (age, "newest-age");
      gtk_widget_add_css_class (age, "numeric");
      gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
      gtk_widget_set_margin_end (type, 12);
      gtk_label_set_xalign (GTK_LABEL (address), 0);
      gtk_label_set_ellipsize (GTK_LABEL (address), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (address, TRUE);
      gtk_box_append (GTK_BOX (box), badge);
      gtk_box_append (GTK_BOX (box), type);
      gtk_box_append (GTK_BOX (box), address);
      gtk_box_append (GTK_BOX (box), age);
      gtk_widget_set_visible (box, FALSE);
      gtk_box_append (self->newest_box, box);

      row->row = box;
      row->badge = GTK_LABEL (badge);
      row->type = GTK_LABEL (type);
      row->address = GTK_LABEL (address);
      row->age = GTK_LABEL (age);
    }

  self->chart = BK_CHART (bk_chart_new (BK_CHART_LINE));
  gtk_widget_set_vexpand (GTK_WIDGET (self->chart), TRUE);
  gtk_box_append (self->chart_box, GTK_WIDGET (self->chart));
}

/* The wall's map settings: the base map the console is set up with, but a view, layers and
 * remembered position of its own, in memory, so that it never moves a console's map. */
static GSettings *
make_wall_settings (GSettings *source)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(GSettingsSchema) schema = NULL;
  GSettings *settings;
  g_auto(GStrv) keys = NULL;

  g_object_get (source, "settings-schema", &schema, NULL);
  settings = g_settings_new_full (schema, backend, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (source, keys[i]);
      g_settings_set_value (settings, keys[i], value);
    }
  /* Tens of thousands of camera points are noise on a wall. */
  g_settings_set_boolean (settings, "layer-cameras", FALSE);
  g_settings_set_boolean (settings, "layer-incidents", TRUE);
  g_settings_set_boolean (settings, "layer-units", TRUE);
  return settings;
}

static void
bk_wall_window_constructed (GObject *object)
{
  BkWallWindow *self = BK_WALL_WINDOW (object);
  GtkApplication *application;
  g_autoptr(GSettings) source = NULL;

  G_OBJECT_CLASS (bk_wall_window_parent_class)->constructed (object);

  application = gtk_window_get_application (GTK_WINDOW (self));
  if (BK_IS_APPLICATION (application))
    {
      source = g_object_ref (bk_application_get_settings (BK_APPLICATION (application)));
      self->session = g_object_ref (bk_application_get_session (BK_APPLICATION (application)));
    }
  else
    {
      source = g_settings_new (APP_ID);
      self->session = soup_session_new ();
    }

  self->settings = make_wall_settings (source);
  g_settings_set (self->settings, "last-view", "(ddd)", self->home_lat, self->home_lon,
                  self->home_zoom);
  bk_map_view_set_settings (self->map_view, self->settings);
}

static void
bk_wall_window_dispose (GObject *object)
{
  BkWallWindow *self = BK_WALL_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  g_clear_handle_id (&self->recount_id, g_source_remove);
  g_clear_handle_id (&self->stats_id, g_source_remove);
  g_clear_handle_id (&self->stats_soon_id, g_source_remove);
  g_clear_handle_id (&self->rotate_id, g_source_remove);
  g_clear_handle_id (&self->focus_id, g_source_remove);
  g_clear_handle_id (&self->pointer_id, g_source_remove);
  g_clear_handle_id (&self->login_retry_id, g_source_remove);

  if (self->live_state != NULL)
    {
      bk_live_state_stop (self->live_state);
      g_signal_handlers_disconnect_by_data (self->live_state, self);
    }
  if (self->map_view != NULL)
    bk_map_view_set_live_state (self->map_view, NULL);
  g_clear_object (&self->live_state);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);

  if (self->size_provider != NULL)
    {
      gtk_style_context_remove_provider_for_display (gtk_widget_get_display (GTK_WIDGET (self)),
                                                     GTK_STYLE_PROVIDER (self->size_provider));
      g_clear_object (&self->size_provider);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_WALL_WINDOW);

  G_OBJECT_CLASS (bk_wall_window_parent_class)->dispose (object);
}

static void
bk_wall_window_finalize (GObject *object)
{
  BkWallWindow *self = BK_WALL_WINDOW (object);

  for (guint i = 0; i < N_PERIODS; i++)
    g_clear_pointer (&self->summaries[i], bc_stats_summary_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->session);
  g_free (self->server);
  g_free (self->username);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->login_error);
  g_free (self->clock_text);

  G_OBJECT_CLASS (bk_wall_window_parent_class)->finalize (object);
}

static void
bk_wall_window_class_init (BkWallWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = bk_wall_window_constructed;
  object_class->dispose = bk_wall_window_dispose;
  object_class->finalize = bk_wall_window_finalize;
  widget_class->size_allocate = bk_wall_window_size_allocate;

  g_type_ensure (BK_TYPE_MAP_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/cn/jingmen/Beacon/bk-wall-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, title_label);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, connection_box);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, connection_label);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, date_label);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, clock_label);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, map_view);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, column);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, open_total);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, open_cells);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, unit_cells);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, today_value);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, change_value);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, last_week_value);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, dispatch_value);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, response_value);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, chart_box);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, trend_title);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, trend_summary);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, newest_box);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, newest_empty);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, error_box);
  gtk_widget_class_bind_template_child (widget_class, BkWallWindow, error_label);
}

static void
bk_wall_window_init (BkWallWindow *self)
{
  GtkEventController *motion;
  GdkDisplay *display;

  self->home_lat = HOME_LAT;
  self->home_lon = HOME_LON;
  self->home_zoom = HOME_ZOOM;
  self->stats_ms = STATS_MS;
  self->rotate_ms = ROTATE_MS;
  self->focus_hold_ms = FOCUS_HOLD_MS;
  self->trend_period = BC_STATS_PERIOD_WEEK;
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The wall's sheet goes to the display (a window cannot hold one in GTK 4.8); its rules are
   * all scoped to window.wall. The size sheet is this window's own and leaves with it. */
  display = gtk_widget_get_display (GTK_WIDGET (self));
  bk_style_add_sheet (display, "/cn/jingmen/Beacon/bk-wall.css",
                      GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
  self->size_provider = gtk_css_provider_new ();
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (self->size_provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 2);

  build_cells (self);
  apply_type_scale (self, 1.0);
  bk_map_view_set_interactive (self->map_view, FALSE);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect_object (motion, "motion", G_CALLBACK (pointer_moved_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  self->pointer_id = g_timeout_add (POINTER_IDLE_MS, pointer_idle_cb, self);

  update_clock (self);
  schedule_clock (self);
  update_connection (self);
  recount (self);
  show_trend (self);
  self->rotate_id = g_timeout_add (self->rotate_ms, rotate_timer_cb, self);
}

BkWallWindow *
bk_wall_window_new (GtkApplication *application)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);

  return g_object_new (BK_TYPE_WALL_WINDOW, "application", application, NULL);
}

/* ---- settings and accessors --------------------------------------------------------------- */

void
bk_wall_window_set_home (BkWallWindow *self,
                         double        lat,
                         double        lon,
                         double        zoom)
{
  g_return_if_fail (BK_IS_WALL_WINDOW (self));

  self->home_lat = lat;
  self->home_lon = lon;
  self->home_zoom = zoom;
  if (self->focus_incident == 0)
    go_home (self, FALSE);
}

void
bk_wall_window_set_focus_hold (BkWallWindow *self,
                               guint         ms)
{
  g_return_if_fail (BK_IS_WALL_WINDOW (self));
  g_return_if_fail (ms > 0);

  self->focus_hold_ms = ms;
}

void
bk_wall_window_set_intervals (BkWallWindow *self,
                              guint         stats_ms,
                              guint         rotate_ms)
{
  g_return_if_fail (BK_IS_WALL_WINDOW (self));
  g_return_if_fail (stats_ms > 0 && rotate_ms > 0);

  self->stats_ms = stats_ms;
  self->rotate_ms = rotate_ms;
  if (self->stats_id != 0)
    restart_stats_timer (self);
  g_clear_handle_id (&self->rotate_id, g_source_remove);
  self->rotate_id = g_timeout_add (self->rotate_ms, rotate_timer_cb, self);
}

void
bk_wall_window_rotate_now (BkWallWindow *self)
{
  g_return_if_fail (BK_IS_WALL_WINDOW (self));

  rotate_timer_cb (self);
  /* The next period gets its full time on the wall. */
  g_clear_handle_id (&self->rotate_id, g_source_remove);
  self->rotate_id = g_timeout_add (self->rotate_ms, rotate_timer_cb, self);
}

void
bk_wall_window_refresh_now (BkWallWindow *self)
{
  g_return_if_fail (BK_IS_WALL_WINDOW (self));

  refresh_stats (self);
}

BcStatsPeriod
bk_wall_window_get_trend_period (BkWallWindow *self)
{
  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), BC_STATS_PERIOD_WEEK);

  return self->trend_period;
}

guint
bk_wall_window_get_n_refreshes (BkWallWindow *self)
{
  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), 0);

  return self->n_refreshes;
}

BcStatsSummary *
bk_wall_window_get_summary (BkWallWindow  *self,
                            BcStatsPeriod  period)
{
  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), NULL);
  g_return_val_if_fail (period < N_PERIODS, NULL);

  return self->summaries[period];
}

gint64
bk_wall_window_get_focus (BkWallWindow *self)
{
  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), 0);

  return self->focus_incident;
}

void
bk_wall_window_get_newest (BkWallWindow *self,
                           gint64        ids[BK_WALL_N_NEWEST])
{
  g_return_if_fail (BK_IS_WALL_WINDOW (self));

  for (guint i = 0; i < BK_WALL_N_NEWEST; i++)
    ids[i] = self->newest[i].id;
}

const char *
bk_wall_window_get_text (BkWallWindow *self,
                         BkWallField   field)
{
  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), NULL);

  switch (field)
    {
    case BK_WALL_FIELD_OPEN_P1:
    case BK_WALL_FIELD_OPEN_P2:
    case BK_WALL_FIELD_OPEN_P3:
    case BK_WALL_FIELD_OPEN_P4:
      return gtk_label_get_label (self->open_labels[field - BK_WALL_FIELD_OPEN_P1]);
    case BK_WALL_FIELD_OPEN_TOTAL:
      return gtk_label_get_label (self->open_total);
    case BK_WALL_FIELD_UNITS_AVAILABLE:
    case BK_WALL_FIELD_UNITS_DISPATCHED:
    case BK_WALL_FIELD_UNITS_EN_ROUTE:
    case BK_WALL_FIELD_UNITS_ON_SCENE:
    case BK_WALL_FIELD_UNITS_OFF_DUTY:
      return gtk_label_get_label (self->unit_labels[field - BK_WALL_FIELD_UNITS_AVAILABLE]);
    case BK_WALL_FIELD_TODAY:
      return gtk_label_get_label (self->today_value);
    case BK_WALL_FIELD_LAST_WEEK:
      return gtk_label_get_label (self->last_week_value);
    case BK_WALL_FIELD_CHANGE:
      return gtk_label_get_label (self->change_value);
    case BK_WALL_FIELD_DISPATCH_MEDIAN:
      return gtk_label_get_label (self->dispatch_value);
    case BK_WALL_FIELD_RESPONSE_MEDIAN:
      return gtk_label_get_label (self->response_value);
    case BK_WALL_FIELD_TREND_TITLE:
      return gtk_label_get_label (self->trend_title);
    case BK_WALL_FIELD_TREND_SUMMARY:
      return gtk_label_get_label (self->trend_summary);
    case BK_WALL_FIELD_BANNER:
      return gtk_revealer_get_reveal_child (self->banner)
             ? gtk_label_get_label (self->banner_label) : "";
    case BK_WALL_FIELD_CONNECTION:
      return gtk_label_get_label (self->connection_label);
    case BK_WALL_FIELD_ERROR:
      return gtk_widget_get_visible (self->error_box) ? gtk_label_get_label (self->error_label)
                                                      : "";
    case BK_WALL_FIELD_CLOCK:
      return self->clock_text;
    default:
      g_return_val_if_reached (NULL);
    }
}

double
bk_wall_window_get_type_scale (BkWallWindow *self)
{
  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), 1.0);

  return self->type_scale;
}

BcClient *
bk_wall_window_get_client (BkWallWindow *self)
{
  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), NULL);

  return self->client;
}

BkLiveState *
bk_wall_window_get_live_state (BkWallWindow *self)
{
  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), NULL);

  return self->live_state;
}

BkMapView *
bk_wall_window_get_map_view (BkWallWindow *self)
{
  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), NULL);

  return self->map_view;
}

BkChart *
bk_wall_window_get_chart (BkWallWindow *self)
{
  g_return_val_if_fail (BK_IS_WALL_WINDOW (self), NULL);

  return self->chart;
}
