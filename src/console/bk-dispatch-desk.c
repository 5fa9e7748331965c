/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-dispatch-desk.h"
#include "bk-style.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "bk-application.h"
#include "bk-gazetteer.h"

struct _BkDispatchDesk
{
  GtkWidget parent_instance;

  BkLiveState *live_state;
  BcClient *client;
  GSettings *settings;
  BkMapView *map_view;
  BkFindBar *find_bar;
  BkNewIncidentDialog *dialog;      /* weak */
  GCancellable *cancellable;
  GtkShortcutController *shortcuts;
  char *outbox_path;
  gint64 selected_unit;
  gint64 select_when_seen;          /* an incident this seat created, not in the list yet */
  gboolean syncing;

  GtkPaned *paned;
  BkIncidentQueue *queue;
  GtkStack *work_stack;
  BkDispatchPanel *panel;
  BkTimeline *timeline;
  BkCommandLine *command_line;
};

G_DEFINE_FINAL_TYPE (BkDispatchDesk, bk_dispatch_desk, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MAP_VIEW,
  PROP_FIND_BAR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- the outbox --------------------------------------------------------------------------- */

/* One BcOutbox per file in the process: two windows of one console share the queue rather
 * than each replaying what the other wrote. */
static GHashTable *open_outboxes;   /* path → BcOutbox (weak) */

static void
outbox_finalized (gpointer  data,
                  GObject  *where_the_object_was)
{
  char *path = data;

  if (open_outboxes != NULL && g_hash_table_lookup (open_outboxes, path) == (gpointer) where_the_object_was)
    g_hash_table_remove (open_outboxes, path);
  g_free (path);
}

static void
remember_outbox (BcOutbox *outbox)
{
  const char *path = bc_outbox_get_path (outbox);

  if (open_outboxes == NULL)
    open_outboxes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (g_hash_table_contains (open_outboxes, path))
    return;
  g_hash_table_insert (open_outboxes, g_strdup (path), outbox);
  g_object_weak_ref (G_OBJECT (outbox), outbox_finalized, g_strdup (path));
}

static void
outbox_opened_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(BkDispatchDesk) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOutbox) outbox = bc_outbox_open_finish (result, &error);

  if (outbox == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot open the outbox %s: %s; commands are sent directly",
                   bk_dispatch_desk_get_outbox_path (self), error->message);
      return;
    }

  remember_outbox (outbox);
  if (self->client != NULL && bc_client_get_outbox (self->client) == NULL)
    bc_client_set_outbox (self->client, outbox);
}

static void
open_outbox (BkDispatchDesk *self)
{
  const char *path = bk_dispatch_desk_get_outbox_path (self);
  BcOutbox *outbox = open_outboxes != NULL ? g_hash_table_lookup (open_outboxes, path) : NULL;
  g_autofree char *folder = NULL;

  if (bc_client_get_outbox (self->client) != NULL)
    return;

  if (outbox != NULL)
    {
      bc_client_set_outbox (self->client, outbox);
      return;
    }

  folder = g_path_get_dirname (path);
  if (g_mkdir_with_parents (folder, 0700) != 0)
    g_warning ("Cannot create %s for the outbox", folder);
  bc_outbox_open_async (path, self->cancellable, outbox_opened_cb, g_object_ref (self));
}

void
bk_dispatch_desk_set_outbox_path (BkDispatchDesk *self,
                                  const char     *path)
{
  g_return_if_fail (BK_IS_DISPATCH_DESK (self));

  g_free (self->outbox_path);
  self->outbox_path = g_strdup (path);
}

const char *
bk_dispatch_desk_get_outbox_path (BkDispatchDesk *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_DESK (self), NULL);

  if (self->outbox_path == NULL)
    self->outbox_path = g_build_filename (g_get_user_data_dir (), "beacon", "outbox.sqlite", NULL);
  return self->outbox_path;
}

/* ---- selection ---------------------------------------------------------------------------- */

static void
show_incident (BkDispatchDesk *self,
               BcIncident     *incident)
{
  bk_dispatch_panel_set_incident (self->panel, incident);
  bk_timeline_set_incident (self->timeline, incident);
}

static gboolean
in_queue (BkDispatchDesk *self,
          BcIncident     *incident)
{
  GListModel *model = bk_incident_queue_get_model (self->queue);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BcIncident) item = g_list_model_get_item (model, i);
      if (item == incident)
        return TRUE;
    }
  return FALSE;
}

static void
queue_incident_selected_cb (BkDispatchDesk *self,
                            gint64          id)
{
  BcIncident *incident = id != 0 ? bk_incident_queue_lookup (self->queue, id) : NULL;
  BcIncident *shown = bk_dispatch_panel_get_incident (self->panel);

  /* The shown incident was closed and left the list: the dispatcher still reads how it
   * ended, until they pick another one. */
  if (id == 0 && shown != NULL && !in_queue (self, shown))
    return;

  show_incident (self, incident);

  if (self->map_view != NULL && incident != NULL && !self->syncing
      && bc_incident_is_open (incident))
    {
      char text[32];

      g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, id);
      self->syncing = TRUE;
      bk_map_view_select (self->map_view, BK_OBJECT_INCIDENT, text, TRUE);
      self->syncing = FALSE;
    }
}

static void
queue_incident_activated_cb (BkDispatchDesk *self,
                             gint64          id)
{
  /* Enter on a row: on to the order. */
  gtk_stack_set_visible_child_name (self->work_stack, "dispatch");
  bk_dispatch_panel_focus_instructions (self->panel);
}

static void
map_selection_changed_cb (BkDispatchDesk *self)
{
  const char *id = NULL;
  BkObjectKind kind = bk_map_view_get_selection (self->map_view, &id);
  gint64 number;

  if (self->syncing || id == NULL)
    return;

  number = g_ascii_strtoll (id, NULL, 10);
  if (kind == BK_OBJECT_UNIT)
    {
      self->selected_unit = number;
      return;
    }
  if (kind != BK_OBJECT_INCIDENT)
    return;

  self->syncing = TRUE;
  if (!bk_incident_queue_select (self->queue, number))
    {
      /* Filtered out ("Mine"): show every open incident rather than hide the one clicked. */
      bk_incident_queue_set_filter (self->queue, BK_QUEUE_FILTER_OPEN);
      if (!bk_incident_queue_select (self->queue, number) && self->live_state != NULL)
        show_incident (self, bk_live_state_lookup_incident (self->live_state, number));
    }
  self->syncing = FALSE;
}

static void
incident_changed_cb (BkDispatchDesk *self,
                     BcIncident     *incident)
{
  if (self->select_when_seen != 0 && bc_incident_get_id (incident) == self->select_when_seen)
    {
      self->select_when_seen = 0;
      bk_incident_queue_select (self->queue, bc_incident_get_id (incident));
    }
}

static void
created_here (BkDispatchDesk *self,
              BcIncident     *incident)
{
  gint64 id = bc_incident_get_id (incident);

  bk_incident_queue_mark_mine (self->queue, id);
  /* The event that puts it in the list may come before or after this answer. */
  if (!bk_incident_queue_select (self->queue, id))
    self->select_when_seen = id;
}

static void
panel_dispatched_cb (BkDispatchDesk *self,
                     BcOrder        *order)
{
  bk_incident_queue_mark_mine (self->queue, order->incident);
}

static void
panel_queued_cb (BkDispatchDesk *self,
                 gint64          incident_id)
{
  bk_incident_queue_mark_mine (self->queue, incident_id);
}

static void
panel_unit_selected_cb (BkDispatchDesk *self,
                        gint64          unit_id)
{
  self->selected_unit = unit_id;
}

static void
command_find_requested_cb (BkDispatchDesk *self,
                           const char     *text)
{
  if (self->find_bar == NULL)
    return;
  bk_find_bar_set_text (self->find_bar, text);
  bk_find_bar_focus (self->find_bar);
}

static void
command_incident_created_cb (BkDispatchDesk *self,
                             BcIncident     *incident)
{
  created_here (self, incident);
}

/* ---- new incident ------------------------------------------------------------------------- */

static void
dialog_created_cb (BkDispatchDesk *self,
                   BcIncident     *incident)
{
  created_here (self, incident);
}

static void
dialog_note_added_cb (BkDispatchDesk *self,
                      gint64          incident_id)
{
  bk_incident_queue_select (self->queue, incident_id);
  gtk_stack_set_visible_child_name (self->work_stack, "timeline");
}

BkNewIncidentDialog *
bk_dispatch_desk_new_incident (BkDispatchDesk *self)
{
  GtkRoot *root;

  g_return_val_if_fail (BK_IS_DISPATCH_DESK (self), NULL);

  if (self->live_state == NULL)
    return NULL;

  if (self->dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->dialog));
      return self->dialog;
    }

  root = gtk_widget_get_root (GTK_WIDGET (self));
  self->dialog = bk_new_incident_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                             self->live_state, self->map_view);
  g_object_add_weak_pointer (G_OBJECT (self->dialog), (gpointer *) &self->dialog);
  g_signal_connect_object (self->dialog, "created", G_CALLBACK (dialog_created_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->dialog, "note-added", G_CALLBACK (dialog_note_added_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->dialog));
  return self->dialog;
}

BkNewIncidentDialog *
bk_dispatch_desk_get_new_incident_dialog (BkDispatchDesk *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_DESK (self), NULL);

  return self->dialog;
}

/* ---- actions ------------------------------------------------------------------------------ */

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BkDispatchDesk *self = BK_DISPATCH_DESK (widget);

  gtk_stack_set_visible_child_name (self->work_stack, "dispatch");
  bk_dispatch_panel_send (self->panel);
}

static void
new_incident_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  bk_dispatch_desk_new_incident (BK_DISPATCH_DESK (widget));
}

static void
command_line_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  bk_command_line_focus (BK_DISPATCH_DESK (widget)->command_line);
}

static void
move_incident_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  bk_incident_queue_move_selection (BK_DISPATCH_DESK (widget)->queue,
                                    g_variant_get_int32 (parameter));
}

static void
focus_queue_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  bk_incident_queue_focus (BK_DISPATCH_DESK (widget)->queue);
}

static void
focus_instructions_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  BkDispatchDesk *self = BK_DISPATCH_DESK (widget);

  gtk_stack_set_visible_child_name (self->work_stack, "dispatch");
  bk_dispatch_panel_focus_instructions (self->panel);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  bk_dispatch_panel_refresh (BK_DISPATCH_DESK (widget)->panel);
}

static void
incident_status_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  BkDispatchDesk *self = BK_DISPATCH_DESK (widget);
  BcIncidentStatus status;

  if (bc_incident_status_from_string (g_variant_get_string (parameter, NULL), &status)
      && (status == BC_INCIDENT_STATUS_EN_ROUTE || status == BC_INCIDENT_STATUS_ON_SCENE))
    {
      gtk_stack_set_visible_child_name (self->work_stack, "dispatch");
      bk_dispatch_panel_set_incident_status (self->panel, status);
    }
}

static void
close_incident_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  bk_dispatch_panel_ask_close (BK_DISPATCH_DESK (widget)->panel);
}

static void
cancel_incident_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  bk_dispatch_panel_ask_cancel (BK_DISPATCH_DESK (widget)->panel);
}

static void
add_note_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  BkDispatchDesk *self = BK_DISPATCH_DESK (widget);

  gtk_stack_set_visible_child_name (self->work_stack, "timeline");
  bk_timeline_focus_note (self->timeline);
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  gtk_stack_set_visible_child_name (BK_DISPATCH_DESK (widget)->work_stack,
                                    g_variant_get_string (parameter, NULL));
}

/* The unit-status keys run the command line's "s" command, so that the answer shows where
 * every command's answer shows. */
static void
unit_status_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  BkDispatchDesk *self = BK_DISPATCH_DESK (widget);
  BcUnit *unit;
  g_autofree char *line = NULL;

  if (self->live_state == NULL)
    return;

  unit = bk_live_state_lookup_unit (self->live_state, self->selected_unit);
  if (unit == NULL)
    {
      bk_command_line_set_text (self->command_line, "s ");
      bk_command_line_focus (self->command_line);
      return;
    }

  line = g_strdup_printf ("s \"%s\" %s", bc_unit_get_call_sign (unit),
                          g_variant_get_string (parameter, NULL));
  bk_command_line_set_text (self->command_line, line);
  bk_command_line_run (self->command_line);
}

/* "/" opens the command line unless it is being typed somewhere. */
static gboolean
slash_cb (GtkWidget *widget,
          GVariant  *args,
          gpointer   user_data)
{
  BkDispatchDesk *self = BK_DISPATCH_DESK (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT_VIEW (focus)))
    return FALSE;

  bk_command_line_focus (self->command_line);
  return TRUE;
}

/* ---- shortcuts ---------------------------------------------------------------------------- */

typedef struct
{
  const char *trigger;
  const char *action;
  const char *target;    /* GVariant text, or NULL */
} Shortcut;

static const Shortcut shortcuts[] = {
  { "<Control>Return", "desk.send", NULL },
  { "<Control>KP_Enter", "desk.send", NULL },
  { "<Control>n", "desk.new-incident", NULL },
  { "<Control>l", "desk.command-line", NULL },
  { "<Control>Up", "desk.move-incident", "-1" },
  { "<Control>Down", "desk.move-incident", "1" },
  { "<Control>0", "desk.focus-queue", NULL },
  { "<Control>i", "desk.focus-instructions", NULL },
  { "F5", "desk.refresh", NULL },
  { "<Alt>r", "desk.incident-status", "'en_route'" },
  { "<Alt>s", "desk.incident-status", "'on_scene'" },
  { "<Alt>c", "desk.close-incident", NULL },
  { "<Alt>x", "desk.cancel-incident", NULL },
  { "<Alt>n", "desk.add-note", NULL },
  { "<Alt>d", "desk.show-page", "'dispatch'" },
  { "<Alt>t", "desk.show-page", "'timeline'" },
  { "<Alt>1", "desk.unit-status", "'available'" },
  { "<Alt>2", "desk.unit-status", "'en_route'" },
  { "<Alt>3", "desk.unit-status", "'on_scene'" },
  { "<Alt>4", "desk.unit-status", "'off_duty'" },
};

static void
add_shortcuts (BkDispatchDesk *self)
{
  self->shortcuts = GTK_SHORTCUT_CONTROLLER (gtk_shortcut_controller_new ());
  /* Window-wide: Ctrl+Enter sends wherever the focus is. They run after the focused widget
   * has had the key (bubble phase), so typing in an entry is never taken over. */
  gtk_shortcut_controller_set_scope (self->shortcuts, GTK_SHORTCUT_SCOPE_GLOBAL);

  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    {
      GtkShortcut *shortcut = gtk_shortcut_new (gtk_shortcut_trigger_parse_string (shortcuts[i].trigger),
                                                gtk_named_action_new (shortcuts[i].action));

      if (shortcuts[i].target != NULL)
        gtk_shortcut_set_arguments (shortcut, g_variant_parse (NULL, shortcuts[i].target,
                                                               NULL, NULL, NULL));
      gtk_shortcut_controller_add_shortcut (self->shortcuts, shortcut);
    }

  gtk_shortcut_controller_add_shortcut (self->shortcuts,
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_slash, 0),
                                                          gtk_callback_action_new (slash_cb, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->shortcuts));
}

static GtkShortcut *
find_shortcut (BkDispatchDesk *self,
               const char     *trigger)
{
  g_autoptr(GtkShortcutTrigger) wanted = gtk_shortcut_trigger_parse_string (trigger);
  GListModel *model = G_LIST_MODEL (self->shortcuts);

  if (wanted == NULL)
    return NULL;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (model, i);

      if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), wanted))
        return shortcut;   /* the controller keeps it */
    }

  return NULL;
}

const char *
bk_dispatch_desk_lookup_shortcut (BkDispatchDesk *self,
                                  const char     *trigger)
{
  GtkShortcut *shortcut;
  GtkShortcutAction *action;

  g_return_val_if_fail (BK_IS_DISPATCH_DESK (self), NULL);
  g_return_val_if_fail (trigger != NULL, NULL);

  shortcut = find_shortcut (self, trigger);
  if (shortcut == NULL)
    return NULL;
  action = gtk_shortcut_get_action (shortcut);
  return GTK_IS_NAMED_ACTION (action) ? gtk_named_action_get_action_name (GTK_NAMED_ACTION (action))
                                      : NULL;
}

gboolean
bk_dispatch_desk_activate_shortcut (BkDispatchDesk *self,
                                    const char     *trigger)
{
  GtkShortcut *shortcut;

  g_return_val_if_fail (BK_IS_DISPATCH_DESK (self), FALSE);
  g_return_val_if_fail (trigger != NULL, FALSE);

  shortcut = find_shortcut (self, trigger);
  if (shortcut == NULL)
    return FALSE;

  /* What GtkShortcutController does for a key press that matches. */
  return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, GTK_WIDGET (self),
                                       gtk_shortcut_get_arguments (shortcut));
}

/* ---- public ------------------------------------------------------------------------------- */

static void
set_map_view (BkDispatchDesk *self,
              BkMapView      *map_view)
{
  if (self->map_view == map_view)
    return;

  if (self->map_view != NULL)
    g_signal_handlers_disconnect_by_data (self->map_view, self);
  g_set_object (&self->map_view, map_view);
  if (map_view != NULL)
    g_signal_connect_object (map_view, "selection-changed", G_CALLBACK (map_selection_changed_cb),
                             self, G_CONNECT_SWAPPED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAP_VIEW]);
}

void
bk_dispatch_desk_set_live_state (BkDispatchDesk *self,
                                 BkLiveState    *live_state)
{
  g_return_if_fail (BK_IS_DISPATCH_DESK (self));
  g_return_if_fail (live_state == NULL || BK_IS_LIVE_STATE (live_state));

  if (self->live_state == live_state)
    return;

  if (self->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->dialog));
  if (self->live_state != NULL)
    g_signal_handlers_disconnect_by_data (self->live_state, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_set_object (&self->live_state, live_state);
  self->selected_unit = 0;
  self->select_when_seen = 0;

  bk_incident_queue_set_live_state (self->queue, live_state);
  bk_dispatch_panel_set_live_state (self->panel, live_state);
  bk_timeline_set_live_state (self->timeline, live_state);
  bk_command_line_set_live_state (self->command_line, live_state);

  if (live_state != NULL)
    {
      self->cancellable = g_cancellable_new ();
      self->client = g_object_ref (bk_live_state_get_client (live_state));
      g_signal_connect_object (live_state, "incident-changed", G_CALLBACK (incident_changed_cb),
                               self, G_CONNECT_SWAPPED);
      open_outbox (self);
    }

  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), shortcuts[i].action, live_state != NULL);
}

BkLiveState *
bk_dispatch_desk_get_live_state (BkDispatchDesk *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_DESK (self), NULL);

  return self->live_state;
}

void
bk_dispatch_desk_set_settings (BkDispatchDesk *self,
                               GSettings      *settings)
{
  g_return_if_fail (BK_IS_DISPATCH_DESK (self));

  g_set_object (&self->settings, settings);
  bk_incident_queue_set_settings (self->queue, settings);
}

BkIncidentQueue *
bk_dispatch_desk_get_queue (BkDispatchDesk *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_DESK (self), NULL);
  return self->queue;
}

BkDispatchPanel *
bk_dispatch_desk_get_panel (BkDispatchDesk *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_DESK (self), NULL);
  return self->panel;
}

BkTimeline *
bk_dispatch_desk_get_timeline (BkDispatchDesk *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_DESK (self), NULL);
  return self->timeline;
}

BkCommandLine *
bk_dispatch_desk_get_command_line (BkDispatchDesk *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_DESK (self), NULL);
  return self->command_line;
}

gint64
bk_dispatch_desk_get_selected_unit (BkDispatchDesk *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_DESK (self), 0);
  return self->selected_unit;
}

/* ---- class -------------------------------------------------------------------------------- */

static void
bk_dispatch_desk_root (GtkWidget *widget)
{
  BkDispatchDesk *self = BK_DISPATCH_DESK (widget);
  GtkRoot *root;

  GTK_WIDGET_CLASS (bk_dispatch_desk_parent_class)->root (widget);
  bk_style_add_sheet (gtk_widget_get_display (widget), "/cn/jingmen/Beacon/bk-dispatch.css",
                      GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  if (self->settings != NULL)
    return;

  /* The application's settings, so that a change made anywhere is seen here at once. */
  root = gtk_widget_get_root (widget);
  if (GTK_IS_WINDOW (root) && BK_IS_APPLICATION (gtk_window_get_application (GTK_WINDOW (root))))
    bk_dispatch_desk_set_settings (self, bk_application_get_settings (BK_APPLICATION (gtk_window_get_application (GTK_WINDOW (root)))));
  else
    {
      g_autoptr(GSettings) settings = g_settings_new (APP_ID);
      bk_dispatch_desk_set_settings (self, settings);
    }
}

static void
bk_dispatch_desk_dispose (GObject *object)
{
  BkDispatchDesk *self = BK_DISPATCH_DESK (object);

  if (self->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->dialog));
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->live_state != NULL)
    g_signal_handlers_disconnect_by_data (self->live_state, self);
  if (self->map_view != NULL)
    g_signal_handlers_disconnect_by_data (self->map_view, self);
  g_clear_object (&self->map_view);
  g_clear_object (&self->find_bar);
  g_clear_object (&self->live_state);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_DISPATCH_DESK);
  /* The template's top box has no id of its own, so it is not cleared with the bound ones. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (bk_dispatch_desk_parent_class)->dispose (object);
}

static void
bk_dispatch_desk_finalize (GObject *object)
{
  BkDispatchDesk *self = BK_DISPATCH_DESK (object);

  g_free (self->outbox_path);

  G_OBJECT_CLASS (bk_dispatch_desk_parent_class)->finalize (object);
}

static void
bk_dispatch_desk_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  BkDispatchDesk *self = BK_DISPATCH_DESK (object);

  switch (prop_id)
    {
    case PROP_MAP_VIEW:
      g_value_set_object (value, self->map_view);
      break;

    case PROP_FIND_BAR:
      g_value_set_object (value, self->find_bar);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_dispatch_desk_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  BkDispatchDesk *self = BK_DISPATCH_DESK (object);

  switch (prop_id)
    {
    case PROP_MAP_VIEW:
      set_map_view (self, g_value_get_object (value));
      break;

    case PROP_FIND_BAR:
      if (g_set_object (&self->find_bar, g_value_get_object (value)))
        g_object_notify_by_pspec (object, pspec);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_dispatch_desk_class_init (BkDispatchDeskClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bk_dispatch_desk_dispose;
  object_class->finalize = bk_dispatch_desk_finalize;
  object_class->get_property = bk_dispatch_desk_get_property;
  object_class->set_property = bk_dispatch_desk_set_property;
  widget_class->root = bk_dispatch_desk_root;

  properties[PROP_MAP_VIEW] =
    g_param_spec_object ("map-view", NULL, NULL, BK_TYPE_MAP_VIEW,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIND_BAR] =
    g_param_spec_object ("find-bar", NULL, NULL, BK_TYPE_FIND_BAR,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BK_TYPE_INCIDENT_QUEUE);
  g_type_ensure (BK_TYPE_DISPATCH_PANEL);
  g_type_ensure (BK_TYPE_TIMELINE);
  g_type_ensure (BK_TYPE_COMMAND_LINE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/cn/jingmen/Beacon/bk-dispatch-desk.ui");
  gtk_widget_class_bind_template_child (widget_class, BkDispatchDesk, paned);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchDesk, queue);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchDesk, work_stack);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchDesk, panel);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchDesk, timeline);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchDesk, command_line);
  gtk_widget_class_bind_template_callback (widget_class, queue_incident_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, queue_incident_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, panel_dispatched_cb);
  gtk_widget_class_bind_template_callback (widget_class, panel_queued_cb);
  gtk_widget_class_bind_template_callback (widget_class, panel_unit_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, command_find_requested_cb);
  gtk_widget_class_bind_template_callback (widget_class, command_incident_created_cb);

  gtk_widget_class_install_action (widget_class, "desk.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "desk.new-incident", NULL, new_incident_action);
  gtk_widget_class_install_action (widget_class, "desk.command-line", NULL, command_line_action);
  gtk_widget_class_install_action (widget_class, "desk.move-incident", "i", move_incident_action);
  gtk_widget_class_install_action (widget_class, "desk.focus-queue", NULL, focus_queue_action);
  gtk_widget_class_install_action (widget_class, "desk.focus-instructions", NULL,
                                   focus_instructions_action);
  gtk_widget_class_install_action (widget_class, "desk.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "desk.incident-status", "s",
                                   incident_status_action);
  gtk_widget_class_install_action (widget_class, "desk.close-incident", NULL,
                                   close_incident_action);
  gtk_widget_class_install_action (widget_class, "desk.cancel-incident", NULL,
                                   cancel_incident_action);
  gtk_widget_class_install_action (widget_class, "desk.add-note", NULL, add_note_action);
  gtk_widget_class_install_action (widget_class, "desk.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "desk.unit-status", "s", unit_status_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bk-dispatch-desk");
}

static void
bk_dispatch_desk_init (BkDispatchDesk *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  add_shortcuts (self);
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), shortcuts[i].action, FALSE);

  /* Place names are read in a worker thread while the dispatcher signs in. */
  bk_gazetteer_preload ();
}

BkDispatchDesk *
bk_dispatch_desk_new (void)
{
  return g_object_new (BK_TYPE_DISPATCH_DESK, NULL);
}
