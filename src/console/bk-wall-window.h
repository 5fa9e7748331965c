/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "bc-client.h"
#include "bk-chart.h"
#include "bk-live-state.h"
#include "bk-map-view.h"

G_BEGIN_DECLS

/* `beacon --wall`: the supervisors' situation display for the video wall (docs/operations.md,
 * "Wall display"). Full screen, dark, undecorated, read-only; it never opens a dialog and never
 * waits for input. It signs in with the credentials of wall.ini (or the demo's supervisor),
 * follows the live state for the map and the open counts, and asks GET /stats/summary every
 * minute (and after every reconnect) for today's figures and the week / month / quarter trends.
 * Login failures and lost connections are retried for as long as it runs. */

/* ---- wall.ini ----------------------------------------------------------------------------- */

typedef struct
{
  char    *server;     /* http(s)://host:port */
  char    *username;
  char    *password;
  gboolean has_home;   /* the map's resting view, from "home = lat,lon,zoom" */
  double   home_lat;
  double   home_lon;
  double   home_zoom;
} BkWallConfig;

void          bk_wall_config_free         (BkWallConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BkWallConfig, bk_wall_config_free)

/* g_get_user_config_dir()/beacon/wall.ini */
char         *bk_wall_config_default_path (void);
/* Reads @path: group [wall], keys server, username, password, optional home. Fails (with a
 * translated message that says what to do) when the file is missing, unreadable, not a regular
 * file, readable or writable by group or others (it holds a password: chmod 600), or lacks a
 * key. @server_override (--server) replaces the file's server, which may then be absent. */
BkWallConfig *bk_wall_config_load         (const char   *path,
                                           const char   *server_override,
                                           GError      **error);

/* ---- the window --------------------------------------------------------------------------- */

/* What a label of the wall says (for tests and diagnostics). */
typedef enum
{
  BK_WALL_FIELD_OPEN_P1,
  BK_WALL_FIELD_OPEN_P2,
  BK_WALL_FIELD_OPEN_P3,
  BK_WALL_FIELD_OPEN_P4,
  BK_WALL_FIELD_OPEN_TOTAL,
  BK_WALL_FIELD_UNITS_AVAILABLE,
  BK_WALL_FIELD_UNITS_DISPATCHED,
  BK_WALL_FIELD_UNITS_EN_ROUTE,
  BK_WALL_FIELD_UNITS_ON_SCENE,
  BK_WALL_FIELD_UNITS_OFF_DUTY,
  BK_WALL_FIELD_TODAY,
  BK_WALL_FIELD_LAST_WEEK,
  BK_WALL_FIELD_CHANGE,
  BK_WALL_FIELD_DISPATCH_MEDIAN,
  BK_WALL_FIELD_RESPONSE_MEDIAN,
  BK_WALL_FIELD_TREND_TITLE,
  BK_WALL_FIELD_TREND_SUMMARY,
  BK_WALL_FIELD_BANNER,          /* "" while the banner is hidden */
  BK_WALL_FIELD_CONNECTION,
  BK_WALL_FIELD_ERROR,           /* "" unless the wall is in its error state */
  BK_WALL_FIELD_CLOCK,
} BkWallField;

#define BK_WALL_N_NEWEST 5

#define BK_TYPE_WALL_WINDOW (bk_wall_window_get_type ())
G_DECLARE_FINAL_TYPE (BkWallWindow, bk_wall_window, BK, WALL_WINDOW, GtkApplicationWindow)

/* @application may be NULL (tests); its settings choose the base map, its session is shared. */
BkWallWindow  *bk_wall_window_new              (GtkApplication *application);

/* Signs in to @server as @username and keeps the wall up to date from then on. A failed
 * login is retried with backoff (1 s doubling to 60 s), for ever. */
void           bk_wall_window_connect          (BkWallWindow   *self,
                                                const char     *server,
                                                const char     *username,
                                                const char     *password);
/* Loads @path (NULL: the default wall.ini) and connects. On error: prints it on stderr, shows
 * it on the wall, connects to nothing and returns FALSE. */
gboolean       bk_wall_window_connect_with_config (BkWallWindow *self,
                                                const char     *path,
                                                const char     *server_override,
                                                GError        **error);
/* The error state: the message in large type over the wall; no connection attempts. */
void           bk_wall_window_show_error       (BkWallWindow   *self,
                                                const char     *message);

/* Full screen on monitor @monitor (-1: where the window manager puts it). A monitor that does
 * not exist falls back to the first one with a message on stderr. Returns the monitor used. */
int            bk_wall_window_fullscreen_on    (BkWallWindow   *self,
                                                int             monitor);

/* The resting view the map returns to after showing a new P1 incident. */
void           bk_wall_window_set_home         (BkWallWindow   *self,
                                                double          lat,
                                                double          lon,
                                                double          zoom);
/* How long a new P1 incident holds the map (default 20 s; tests shorten it). */
void           bk_wall_window_set_focus_hold   (BkWallWindow   *self,
                                                guint           ms);
/* Statistics refresh interval (default 60 s) and trend rotation interval (default 30 s). */
void           bk_wall_window_set_intervals    (BkWallWindow   *self,
                                                guint           stats_ms,
                                                guint           rotate_ms);

/* Shows the next trend period now (week → month → quarter → week). */
void           bk_wall_window_rotate_now       (BkWallWindow   *self);
/* Asks the server for fresh statistics now. */
void           bk_wall_window_refresh_now      (BkWallWindow   *self);

BcStatsPeriod  bk_wall_window_get_trend_period (BkWallWindow   *self);
/* Completed statistics rounds (all four periods answered) since the window opened. */
guint          bk_wall_window_get_n_refreshes  (BkWallWindow   *self);
/* The last answer for @period (day, week, month or quarter), or NULL. */
BcStatsSummary *bk_wall_window_get_summary     (BkWallWindow   *self,
                                                BcStatsPeriod   period);
/* The incident the map is showing after it arrived as a new P1, or 0. */
gint64         bk_wall_window_get_focus        (BkWallWindow   *self);
/* The newest open P1/P2 incidents, newest first (at most BK_WALL_N_NEWEST ids; 0 ends). */
void           bk_wall_window_get_newest       (BkWallWindow   *self,
                                                gint64          ids[BK_WALL_N_NEWEST]);
const char    *bk_wall_window_get_text         (BkWallWindow   *self,
                                                BkWallField     field);
/* The size factor of the type (window height / 1080). */
double         bk_wall_window_get_type_scale   (BkWallWindow   *self);

BcClient      *bk_wall_window_get_client       (BkWallWindow   *self);
BkLiveState   *bk_wall_window_get_live_state   (BkWallWindow   *self);
BkMapView     *bk_wall_window_get_map_view     (BkWallWindow   *self);
BkChart       *bk_wall_window_get_chart        (BkWallWindow   *self);

G_END_DECLS
