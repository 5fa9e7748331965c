/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include <glib/gi18n.h>
#include <shumate/shumate.h>

#include "bk-analysis-window.h"
#include "bk-format.h"
#include "bk-preferences.h"
#include "bk-window.h"

struct _BkWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;
  SoupSession *session;
  BcClient *client;
  BkLiveState *live_state;
  BkLoginDialog *login_dialog;
  GtkWindow *analysis_window;   /* weak */
  char *connection_text;

  guint clock_id;
  guint connection_tick_id;
  gboolean login_shown_once;

  AdwHeaderBar *header_bar;
  BkFindBar *find_bar;
  GtkLabel *clock_label;
  GtkWidget *user_box;
  GtkLabel *user_label;
  GtkLabel *role_label;
  GtkWidget *connection_box;
  GtkLabel *connection_label;
  GtkLabel *connection_detail;
  AdwToastOverlay *toast_overlay;
  AdwFlap *flap;
  GtkBox *trainer_slot;
  GtkWidget *trainer_panel;
  BkMapView *map_view;
  BkSidePanel *side_panel;
  BkDispatchDesk *desk;
};

G_DEFINE_FINAL_TYPE (BkWindow, bk_window, ADW_TYPE_APPLICATION_WINDOW)

static void
toast (BkWindow   *self,
       const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* ---- clock ------------------------------------------------------------------------------ */

static gboolean clock_tick_cb (gpointer user_data);

/* g_timeout_add_seconds() coalesces wakeups at a per-session offset inside the second, so a
 * clock driven by it shows each second up to a second late. Each tick instead waits for the
 * next wall-clock second boundary (plus a little, so the boundary has surely passed). */
static void
schedule_clock (BkWindow *self)
{
  gint64 now = g_get_real_time ();
  guint delay_ms = (guint) ((G_USEC_PER_SEC - now % G_USEC_PER_SEC) / 1000) + 5;

  self->clock_id = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, clock_tick_cb, self, NULL);
}

static void
update_clock (BkWindow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *text = g_date_time_format (now, "%H:%M:%S");
  g_autofree char *date = g_date_time_format (now, _("%Y-%m-%d %A"));

  gtk_label_set_label (self->clock_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->clock_label), date);
}

static gboolean
clock_tick_cb (gpointer user_data)
{
  BkWindow *self = user_data;

  update_clock (self);
  schedule_clock (self);
  return G_SOURCE_REMOVE;
}

/* ---- connection state ------------------------------------------------------------------- */

static gboolean connection_tick_cb (gpointer user_data);

static void
update_connection (BkWindow *self)
{
  static const char * const state_classes[] = { "connected", "connecting", "reconnecting", "offline" };
  const char *css_class = "offline";
  g_autofree char *text = NULL;
  g_autofree char *detail = NULL;
  gboolean ticking = FALSE;

  if (self->client == NULL)
    {
      text = g_strdup (_("Not signed in"));
    }
  else
    {
      gint64 offline_since = bc_client_get_offline_since (self->client);
      gint64 reconnect_at = bc_client_get_reconnect_at (self->client);
      /* reconnect-at is on the monotonic clock. */
      gint64 now = g_get_monotonic_time ();

      switch (bc_client_get_connection_state (self->client))
        {
        case BC_CONNECTION_STATE_CONNECTED:
          text = g_strdup (_("Connected"));
          css_class = "connected";
          break;

        case BC_CONNECTION_STATE_CONNECTING:
          text = g_strdup (_("Connecting…"));
          css_class = "connecting";
          break;

        case BC_CONNECTION_STATE_RECONNECTING:
          css_class = "reconnecting";
          if (reconnect_at > now)
            {
              int seconds = (int) ((reconnect_at - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);

              text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Reconnecting in %d s",
                                                   "Reconnecting in %d s", (gulong) seconds),
                                      seconds);
              /* The countdown is the only thing that needs a timer. */
              ticking = TRUE;
            }
          else
            text = g_strdup (_("Reconnecting…"));
          if (offline_since > 0)
            {
              g_autofree char *since = bk_format_hh_mm (offline_since);
              detail = g_strdup_printf (_("Offline since %s"), since);
            }
          break;

        case BC_CONNECTION_STATE_OFFLINE:
        default:
          if (offline_since > 0)
            {
              g_autofree char *since = bk_format_hh_mm (offline_since);
              text = g_strdup_printf (_("Offline since %s"), since);
            }
          else
            text = g_strdup (_("Offline"));
          break;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (state_classes); i++)
    gtk_widget_remove_css_class (self->connection_box, state_classes[i]);
  gtk_widget_add_css_class (self->connection_box, css_class);

  gtk_label_set_label (self->connection_label, text);
  gtk_label_set_label (self->connection_detail, detail != NULL ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->connection_detail), detail != NULL);
  g_free (self->connection_text);
  self->connection_text = g_steal_pointer (&text);

  if (ticking && self->connection_tick_id == 0)
    self->connection_tick_id = g_timeout_add_seconds (1, connection_tick_cb, self);
  else if (!ticking)
    g_clear_handle_id (&self->connection_tick_id, g_source_remove);
}

static gboolean
connection_tick_cb (gpointer user_data)
{
  BkWindow *self = user_data;

  self->connection_tick_id = 0;
  update_connection (self);
  /* update_connection() starts a new timer if the countdown still runs. */
  return G_SOURCE_REMOVE;
}

/* ---- session ---------------------------------------------------------------------------- */

static void
live_state_load_failed_cb (BkWindow     *self,
                           const GError *error)
{
  g_autofree char *message = g_strdup_printf (_("Cannot load the live situation: %s"),
                                              error->message);
  toast (self, message);
}

static void set_client (BkWindow *self,
                        BcClient *client);

static void
session_expired_cb (BkWindow *self)
{
  toast (self, _("Your session has expired. Sign in again; queued commands are kept."));
  set_client (self, NULL);
  bk_window_show_login (self);
}

static void
update_user (BkWindow *self)
{
  BcRole role;

  gtk_widget_set_visible (self->user_box, self->client != NULL);
  if (self->client == NULL)
    return;

  role = bc_client_get_role (self->client);
  gtk_label_set_label (self->user_label, bc_client_get_username (self->client));
  gtk_label_set_label (self->role_label, bc_role_label (role));
  /* Caller details are personal data: only dispatchers and trainers see them. */
  bk_side_panel_set_show_caller (self->side_panel,
                                 role == BC_ROLE_DISPATCHER || role == BC_ROLE_TRAINER);
}

static void
set_client (BkWindow *self,
            BcClient *client)
{
  if (self->client == client)
    return;

  if (self->live_state != NULL)
    {
      bk_live_state_stop (self->live_state);
      g_signal_handlers_disconnect_by_data (self->live_state, self);
    }
  bk_map_view_set_live_state (self->map_view, NULL);
  bk_side_panel_set_live_state (self->side_panel, NULL);
  bk_find_bar_set_live_state (self->find_bar, NULL);
  bk_dispatch_desk_set_live_state (self->desk, NULL);
  g_clear_object (&self->live_state);

  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_set_object (&self->client, client);

  if (client != NULL)
    {
      g_signal_connect_object (client, "notify::connection-state",
                               G_CALLBACK (update_connection), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (client, "notify::reconnect-at",
                               G_CALLBACK (update_connection), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (client, "notify::offline-since",
                               G_CALLBACK (update_connection), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (client, "session-expired",
                               G_CALLBACK (session_expired_cb), self, G_CONNECT_SWAPPED);

      self->live_state = bk_live_state_new (client);
      g_signal_connect_object (self->live_state, "load-failed",
                               G_CALLBACK (live_state_load_failed_cb), self, G_CONNECT_SWAPPED);
      bk_map_view_set_live_state (self->map_view, self->live_state);
      bk_side_panel_set_live_state (self->side_panel, self->live_state);
      bk_find_bar_set_live_state (self->find_bar, self->live_state);
      bk_dispatch_desk_set_live_state (self->desk, self->live_state);
      bk_live_state_start (self->live_state);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", client != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.find", client != NULL);
  /* Statistics are for the command center's roles, not for unit accounts (the server
   * refuses them too). The open analysis window belongs to the previous session. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.analysis",
                                 client != NULL && bc_client_get_role (client) != BC_ROLE_UNIT);
  if (self->analysis_window != NULL)
    gtk_window_destroy (self->analysis_window);
  update_user (self);
  update_connection (self);
}

static void
login_signed_in_cb (BkWindow      *self,
                    BcClient      *client,
                    BkLoginDialog *dialog)
{
  set_client (self, client);
  self->login_dialog = NULL;
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (GTK_WIDGET (self->map_view));
}

static void
login_quit_requested_cb (BkWindow      *self,
                         BkLoginDialog *dialog)
{
  self->login_dialog = NULL;
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (self->client == NULL)
    gtk_window_close (GTK_WINDOW (self));
}

void
bk_window_show_login (BkWindow *self)
{
  GtkApplication *application;
  const BkOptions *options;

  g_return_if_fail (BK_IS_WINDOW (self));

  if (self->login_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->login_dialog));
      return;
    }

  self->login_dialog = bk_login_dialog_new (GTK_WINDOW (self), self->settings, self->session);
  application = gtk_window_get_application (GTK_WINDOW (self));
  options = BK_IS_APPLICATION (application)
            ? bk_application_get_options (BK_APPLICATION (application)) : NULL;
  if (options != NULL && options->server_url != NULL)
    bk_login_dialog_set_server_url (self->login_dialog, options->server_url);

  g_signal_connect_object (self->login_dialog, "signed-in",
                           G_CALLBACK (login_signed_in_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->login_dialog, "quit-requested",
                           G_CALLBACK (login_quit_requested_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->login_dialog));
}

static void
logout_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The token expires on its own; failing to delete it early is not worth a message. */
  if (!bc_client_logout_finish (BC_CLIENT (object), result, &error))
    g_debug ("Signing out: %s", error->message);
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  BkWindow *self = BK_WINDOW (widget);
  g_autoptr(BcClient) client = NULL;

  if (self->client == NULL)
    return;

  client = g_object_ref (self->client);
  set_client (self, NULL);
  bc_client_logout_async (client, NULL, logout_cb, NULL);
  bk_window_show_login (self);
}

/* ---- selection -------------------------------------------------------------------------- */

static void
selection_changed_cb (BkWindow  *self,
                      BkMapView *map_view)
{
  const char *id = NULL;
  BkObjectKind kind = bk_map_view_get_selection (map_view, &id);

  switch (kind)
    {
    case BK_OBJECT_INCIDENT:
      bk_side_panel_show_incident (self->side_panel, g_ascii_strtoll (id, NULL, 10));
      break;

    case BK_OBJECT_UNIT:
      bk_side_panel_show_unit (self->side_panel, g_ascii_strtoll (id, NULL, 10));
      break;

    case BK_OBJECT_CAMERA:
      bk_side_panel_show_camera (self->side_panel, id);
      break;

    case BK_OBJECT_NONE:
    default:
      bk_side_panel_clear (self->side_panel);
      break;
    }

  adw_flap_set_reveal_flap (self->flap, kind != BK_OBJECT_NONE);
}

static void
map_error_cb (BkWindow   *self,
              const char *message)
{
  toast (self, message);
}

static void
panel_close_requested_cb (BkWindow *self)
{
  bk_map_view_clear_selection (self->map_view);
}

static void
panel_unit_activated_cb (BkWindow *self,
                         gint64    id)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, id);
  if (!bk_map_view_select (self->map_view, BK_OBJECT_UNIT, text, TRUE))
    toast (self, _("This unit has no known position."));
}

static void
find_activated_cb (BkWindow   *self,
                   int         kind,
                   const char *id)
{
  if (!bk_map_view_select (self->map_view, (BkObjectKind) kind, id, TRUE))
    {
      toast (self, _("This object has no known position."));
      return;
    }

  /* Arrows, +/- and Escape act on the map straight after a find. */
  gtk_widget_grab_focus (GTK_WIDGET (self->map_view));
}

/* ---- actions ---------------------------------------------------------------------------- */

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  bk_find_bar_focus (BK_WINDOW (widget)->find_bar);
}

static void
clear_selection_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  bk_map_view_clear_selection (BK_WINDOW (widget)->map_view);
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  BkWindow *self = BK_WINDOW (widget);
  BkPreferences *preferences = bk_preferences_new (GTK_WINDOW (self), self->settings);

  gtk_window_present (GTK_WINDOW (preferences));
}

static void
analysis_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  BkWindow *self = BK_WINDOW (widget);

  if (self->client == NULL || bc_client_get_role (self->client) == BC_ROLE_UNIT)
    return;
  if (self->analysis_window == NULL)
    {
      self->analysis_window = GTK_WINDOW (bk_analysis_window_new (GTK_WINDOW (self),
                                                                  self->client));
      g_object_add_weak_pointer (G_OBJECT (self->analysis_window),
                                 (gpointer *) &self->analysis_window);
    }
  gtk_window_present (self->analysis_window);
}

static void
about_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  static const char *developers[] = { "Beacon developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", widget,
                        "application-icon", APP_ID,
                        "application-name", _("Beacon"),
                        "developer-name", _("Beacon developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("One-map command and dispatch console for the command "
                                      "center of a city police force."),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

/* ---- window ----------------------------------------------------------------------------- */

static gboolean
show_login_idle_cb (gpointer user_data)
{
  BkWindow *self = user_data;
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  /* The demo signs in by itself (bk-demo.c). */
  gboolean demo = BK_IS_APPLICATION (application) &&
                  bk_application_get_options (BK_APPLICATION (application))->demo;

  if (self->client == NULL && self->login_dialog == NULL && !demo)
    bk_window_show_login (self);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
bk_window_map (GtkWidget *widget)
{
  BkWindow *self = BK_WINDOW (widget);

  GTK_WIDGET_CLASS (bk_window_parent_class)->map (widget);

  /* The dialog needs a mapped parent to be placed over it. */
  if (!self->login_shown_once)
    {
      self->login_shown_once = TRUE;
      g_idle_add (show_login_idle_cb, g_object_ref (self));
    }
}

static gboolean
bk_window_close_request (GtkWindow *window)
{
  BkWindow *self = BK_WINDOW (window);

  if (self->live_state != NULL)
    bk_live_state_stop (self->live_state);

  return FALSE;
}

static void
bk_window_constructed (GObject *object)
{
  BkWindow *self = BK_WINDOW (object);
  GtkApplication *application;
  g_autoptr(GSimpleActionGroup) layers = g_simple_action_group_new ();
  static const char * const layer_keys[] = {
    "layer-incidents", "layer-units", "layer-dispatch-lines", "layer-cameras", "layer-districts",
  };

  G_OBJECT_CLASS (bk_window_parent_class)->constructed (object);

  application = gtk_window_get_application (GTK_WINDOW (self));
  if (BK_IS_APPLICATION (application))
    {
      self->settings = g_object_ref (bk_application_get_settings (BK_APPLICATION (application)));
      self->session = g_object_ref (bk_application_get_session (BK_APPLICATION (application)));
    }
  else
    {
      self->settings = g_settings_new (APP_ID);
      self->session = soup_session_new ();
    }

  /* Stateful toggles that mirror settings keys; the window class cannot install those. */
  for (guint i = 0; i < G_N_ELEMENTS (layer_keys); i++)
    {
      g_autoptr(GAction) action = g_settings_create_action (self->settings, layer_keys[i]);
      g_action_map_add_action (G_ACTION_MAP (layers), action);
    }
  gtk_widget_insert_action_group (GTK_WIDGET (self), "layers", G_ACTION_GROUP (layers));

  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  bk_map_view_set_settings (self->map_view, self->settings);
}

static void
bk_window_dispose (GObject *object)
{
  BkWindow *self = BK_WINDOW (object);

  g_clear_handle_id (&self->clock_id, g_source_remove);
  g_clear_handle_id (&self->connection_tick_id, g_source_remove);
  if (self->login_dialog != NULL)
    {
      GtkWindow *dialog = GTK_WINDOW (self->login_dialog);
      self->login_dialog = NULL;
      gtk_window_destroy (dialog);
    }
  if (self->map_view != NULL)
    set_client (self, NULL);
  if (self->analysis_window != NULL)
    gtk_window_destroy (self->analysis_window);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_WINDOW);

  G_OBJECT_CLASS (bk_window_parent_class)->dispose (object);
}

static void
bk_window_finalize (GObject *object)
{
  BkWindow *self = BK_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->session);
  g_clear_object (&self->client);
  g_clear_object (&self->live_state);
  g_free (self->connection_text);

  G_OBJECT_CLASS (bk_window_parent_class)->finalize (object);
}

static void
bk_window_class_init (BkWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = bk_window_constructed;
  object_class->dispose = bk_window_dispose;
  object_class->finalize = bk_window_finalize;
  widget_class->map = bk_window_map;
  window_class->close_request = bk_window_close_request;

  g_type_ensure (BK_TYPE_FIND_BAR);
  g_type_ensure (BK_TYPE_MAP_VIEW);
  g_type_ensure (BK_TYPE_SIDE_PANEL);
  g_type_ensure (BK_TYPE_DISPATCH_DESK);

  gtk_widget_class_set_template_from_resource (widget_class, "/cn/jingmen/Beacon/bk-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BkWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, find_bar);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, clock_label);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, user_box);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, user_label);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, role_label);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, connection_box);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, connection_label);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, connection_detail);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, trainer_slot);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, map_view);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, side_panel);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, desk);
  gtk_widget_class_bind_template_callback (widget_class, selection_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, map_error_cb);
  gtk_widget_class_bind_template_callback (widget_class, panel_close_requested_cb);
  gtk_widget_class_bind_template_callback (widget_class, panel_unit_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, find_activated_cb);

  gtk_widget_class_install_action (widget_class, "win.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "win.clear-selection", NULL,
                                   clear_selection_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "win.about", NULL, about_action);
  gtk_widget_class_install_action (widget_class, "win.analysis", NULL, analysis_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.analysis", NULL);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);

  /* Escape clears the selection wherever the focus is, unless a widget (the find entry, a
   * popover) uses it first. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0,
                                       "win.clear-selection", NULL);
}

static void
bk_window_init (BkWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  update_clock (self);
  schedule_clock (self);
  update_connection (self);
  update_user (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.find", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.analysis", FALSE);
}

BkWindow *
bk_window_new (BkApplication *application)
{
  return g_object_new (BK_TYPE_WINDOW, "application", application, NULL);
}

BkLoginDialog *
bk_window_get_login_dialog (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), NULL);

  return self->login_dialog;
}

BcClient *
bk_window_get_client (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), NULL);

  return self->client;
}

BkLiveState *
bk_window_get_live_state (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), NULL);

  return self->live_state;
}

BkMapView *
bk_window_get_map_view (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), NULL);

  return self->map_view;
}

BkDispatchDesk *
bk_window_get_dispatch_desk (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), NULL);

  return self->desk;
}

BkSidePanel *
bk_window_get_side_panel (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), NULL);

  return self->side_panel;
}

BkFindBar *
bk_window_get_find_bar (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), NULL);

  return self->find_bar;
}

gboolean
bk_window_get_panel_revealed (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), FALSE);

  return adw_flap_get_reveal_flap (self->flap);
}

const char *
bk_window_get_connection_text (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), NULL);

  return self->connection_text;
}

const char *
bk_window_get_clock_text (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), NULL);

  return gtk_label_get_label (self->clock_label);
}

void
bk_window_set_client (BkWindow *self,
                      BcClient *client)
{
  g_return_if_fail (BK_IS_WINDOW (self));
  g_return_if_fail (client == NULL || BC_IS_CLIENT (client));

  set_client (self, client);
}

void
bk_window_set_trainer_panel (BkWindow  *self,
                             GtkWidget *panel)
{
  g_return_if_fail (BK_IS_WINDOW (self));
  g_return_if_fail (panel == NULL || GTK_IS_WIDGET (panel));

  if (self->trainer_panel != NULL)
    gtk_box_remove (self->trainer_slot, self->trainer_panel);
  self->trainer_panel = panel;
  if (panel != NULL)
    gtk_box_append (self->trainer_slot, panel);
  gtk_widget_set_visible (GTK_WIDGET (self->trainer_slot), panel != NULL);
}

GtkWindow *
bk_window_get_analysis_window (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), NULL);

  return self->analysis_window;
}

GtkWidget *
bk_window_get_trainer_panel (BkWindow *self)
{
  g_return_val_if_fail (BK_IS_WINDOW (self), NULL);

  return self->trainer_panel;
}
