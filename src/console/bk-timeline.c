/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-timeline.h"

#include <glib/gi18n.h>

#include "bk-command-parser.h"
#include "bk-format.h"

typedef enum
{
  ENTRY_CREATED,
  ENTRY_ORDER,
  ENTRY_ACK,
  ENTRY_REFUSED,
  ENTRY_EN_ROUTE,
  ENTRY_ON_SCENE,
  ENTRY_CLOSED,
  ENTRY_CANCELLED,
  ENTRY_NOTE,
} EntryKind;

static const char * const kind_names[] = {
  "created", "order", "ack", "refused", "en_route", "on_scene", "closed", "cancelled", "note",
};

static const char * const kind_icons[] = {
  "call-start-symbolic", "mail-send-symbolic", "object-select-symbolic",
  "action-unavailable-symbolic", "go-next-symbolic", "mark-location-symbolic",
  "emblem-ok-symbolic", "process-stop-symbolic", "document-edit-symbolic",
};

typedef struct
{
  char *key;
  EntryKind kind;
  gint64 at;
  char *title;
  GtkWidget *row;
  GtkLabel *time_label;
  GtkLabel *since_label;
  GtkLabel *title_label;
  GtkLabel *detail_label;
} Entry;

struct _BkTimeline
{
  GtkWidget parent_instance;

  BkLiveState *live_state;
  BcClient *client;
  BcIncident *incident;
  GCancellable *cancellable;
  GHashTable *entries;        /* key → Entry */

  GtkLabel *title_label;
  GtkListBox *list;
  GtkEntry *note_entry;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE (BkTimeline, bk_timeline, GTK_TYPE_WIDGET)

static GQuark entry_quark;

static void
entry_free (Entry *entry)
{
  g_free (entry->key);
  g_free (entry->title);
  g_free (entry);
}

static gint64
incident_id (BkTimeline *self)
{
  return self->incident != NULL ? bc_incident_get_id (self->incident) : 0;
}

static const char *
call_sign (BkTimeline *self,
           gint64      unit_id,
           char        buffer[32])
{
  BcUnit *unit = self->live_state != NULL ? bk_live_state_lookup_unit (self->live_state, unit_id)
                                          : NULL;

  if (unit != NULL)
    return bc_unit_get_call_sign (unit);
  g_snprintf (buffer, 32, "#%" G_GINT64_FORMAT, unit_id);
  return buffer;
}

/* ---- entries ------------------------------------------------------------------------------ */

static int
sort_rows (GtkListBoxRow *a,
           GtkListBoxRow *b,
           gpointer       user_data)
{
  Entry *ea = g_object_get_qdata (G_OBJECT (a), entry_quark);
  Entry *eb = g_object_get_qdata (G_OBJECT (b), entry_quark);

  if (ea->at != eb->at)
    return ea->at < eb->at ? -1 : 1;
  /* Same instant (one transaction): the order of the lifecycle. */
  return (int) ea->kind - (int) eb->kind;
}

/* The time since the call and since the entry before, for every row: a few labels, only
 * their text changes. */
static void
update_times (BkTimeline *self)
{
  gint64 created = self->incident != NULL ? bc_incident_get_created_at (self->incident) : 0;
  Entry *previous = NULL;
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->list, i)) != NULL; i++)
    {
      Entry *entry = g_object_get_qdata (G_OBJECT (row), entry_quark);
      g_autofree char *since = NULL;
      g_autofree char *text = NULL;

      if (entry == NULL)
        continue;

      since = bk_format_timer (entry->at - created);
      if (previous != NULL && entry->at > previous->at)
        {
          g_autofree char *delta = bk_format_duration (entry->at - previous->at);
          /* Translators: time since the call (T+04:10) and since the entry before */
          text = g_strdup_printf (_("T+%s · +%s"), since, delta);
        }
      else
        text = g_strdup_printf (_("T+%s"), since);
      gtk_label_set_label (entry->since_label, text);
      previous = entry;
    }
}

static Entry *
upsert_entry (BkTimeline *self,
              const char *key,
              EntryKind   kind,
              gint64      at,
              const char *title,
              const char *detail)
{
  Entry *entry = g_hash_table_lookup (self->entries, key);
  g_autofree char *clock = NULL;

  if (entry == NULL)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
      GtkWidget *icon = gtk_image_new_from_icon_name (kind_icons[kind]);
      GtkWidget *times = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

      entry = g_new0 (Entry, 1);
      entry->key = g_strdup (key);
      entry->kind = kind;

      gtk_widget_add_css_class (box, "timeline-entry");
      gtk_widget_add_css_class (box, kind_names[kind]);
      gtk_widget_set_valign (icon, GTK_ALIGN_START);
      gtk_widget_add_css_class (icon, "timeline-icon");
      gtk_box_append (GTK_BOX (box), icon);

      entry->time_label = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_xalign (entry->time_label, 0.0f);
      gtk_widget_add_css_class (GTK_WIDGET (entry->time_label), "numeric");
      gtk_widget_add_css_class (GTK_WIDGET (entry->time_label), "timeline-time");
      gtk_box_append (GTK_BOX (times), GTK_WIDGET (entry->time_label));
      entry->since_label = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_xalign (entry->since_label, 0.0f);
      gtk_widget_add_css_class (GTK_WIDGET (entry->since_label), "numeric");
      gtk_widget_add_css_class (GTK_WIDGET (entry->since_label), "timeline-since");
      gtk_box_append (GTK_BOX (times), GTK_WIDGET (entry->since_label));
      gtk_widget_set_size_request (times, 150, -1);
      gtk_box_append (GTK_BOX (box), times);

      entry->title_label = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_xalign (entry->title_label, 0.0f);
      gtk_label_set_wrap (entry->title_label, TRUE);
      gtk_label_set_wrap_mode (entry->title_label, PANGO_WRAP_WORD_CHAR);
      gtk_widget_add_css_class (GTK_WIDGET (entry->title_label), "timeline-title");
      gtk_box_append (GTK_BOX (texts), GTK_WIDGET (entry->title_label));
      entry->detail_label = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_xalign (entry->detail_label, 0.0f);
      gtk_label_set_wrap (entry->detail_label, TRUE);
      gtk_label_set_wrap_mode (entry->detail_label, PANGO_WRAP_WORD_CHAR);
      gtk_label_set_selectable (entry->detail_label, TRUE);
      gtk_widget_add_css_class (GTK_WIDGET (entry->detail_label), "timeline-detail");
      gtk_box_append (GTK_BOX (texts), GTK_WIDGET (entry->detail_label));
      gtk_widget_set_hexpand (texts, TRUE);
      gtk_box_append (GTK_BOX (box), texts);

      entry->row = gtk_list_box_row_new ();
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (entry->row), FALSE);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (entry->row), box);
      g_object_set_qdata (G_OBJECT (entry->row), entry_quark, entry);
      g_hash_table_insert (self->entries, entry->key, entry);
      entry->at = at;
      gtk_list_box_append (self->list, entry->row);
    }
  else if (entry->at != at)
    {
      entry->at = at;
      gtk_list_box_row_changed (GTK_LIST_BOX_ROW (entry->row));
    }

  g_free (entry->title);
  entry->title = g_strdup (title);
  clock = bk_format_clock (at);
  gtk_label_set_label (entry->time_label, clock);
  gtk_label_set_label (entry->title_label, title);
  gtk_label_set_label (entry->detail_label, detail != NULL ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (entry->detail_label), detail != NULL && detail[0] != '\0');

  update_times (self);
  return entry;
}

static void
remove_entry (BkTimeline *self,
              const char *key)
{
  Entry *entry = g_hash_table_lookup (self->entries, key);

  if (entry == NULL)
    return;
  gtk_list_box_remove (self->list, entry->row);
  g_hash_table_remove (self->entries, key);
  update_times (self);
}

static void
clear_entries (BkTimeline *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    gtk_list_box_remove (self->list, ((Entry *) value)->row);
  g_hash_table_remove_all (self->entries);
}

/* ---- sources ------------------------------------------------------------------------------ */

static void
milestone (BkTimeline *self,
           const char *key,
           EntryKind   kind,
           gint64      at,
           const char *title,
           const char *detail)
{
  if (at > 0)
    upsert_entry (self, key, kind, at, title, detail);
  else
    remove_entry (self, key);
}

static void
update_milestones (BkTimeline *self)
{
  BcIncident *incident = self->incident;
  g_autofree char *created = NULL;
  g_autofree char *closed = NULL;
  g_autofree char *caller = NULL;
  const char *disposition;

  if (incident == NULL)
    return;

  /* Translators: the first entry of an incident's timeline; %s is the incident's type */
  created = g_strdup_printf (_("Call taken: %s, priority %d"),
                             bc_incident_type_label (bc_incident_get_incident_type (incident)),
                             bc_incident_get_priority (incident));
  if (bc_incident_get_caller_name (incident) != NULL || bc_incident_get_caller_phone (incident) != NULL)
    caller = g_strdup_printf ("%s %s · %s",
                              bc_incident_get_caller_name (incident) != NULL
                              ? bc_incident_get_caller_name (incident) : "",
                              bc_incident_get_caller_phone (incident) != NULL
                              ? bc_incident_get_caller_phone (incident) : "",
                              bc_incident_get_address (incident));
  milestone (self, "created", ENTRY_CREATED, bc_incident_get_created_at (incident), created,
             caller != NULL ? caller : bc_incident_get_address (incident));
  milestone (self, "en_route", ENTRY_EN_ROUTE, bc_incident_get_en_route_at (incident),
             _("Units en route"), NULL);
  milestone (self, "on_scene", ENTRY_ON_SCENE, bc_incident_get_on_scene_at (incident),
             _("Units on scene"), NULL);

  disposition = bc_incident_get_disposition (incident);
  if (disposition != NULL)
    closed = g_strdup_printf (_("Closed: %s"), bk_disposition_label_for (disposition));
  milestone (self, "closed", ENTRY_CLOSED, bc_incident_get_closed_at (incident),
             closed != NULL ? closed : _("Closed"), NULL);
  milestone (self, "cancelled", ENTRY_CANCELLED, bc_incident_get_cancelled_at (incident),
             _("Cancelled"), NULL);

  gtk_label_set_label (self->title_label, bc_incident_get_number (incident));
}

static void
add_order (BkTimeline *self,
           BcOrder    *order)
{
  g_autofree char *key = NULL;
  g_autofree char *title = NULL;
  GString *units = g_string_new (NULL);
  char buffer[32];

  if (order->incident != incident_id (self))
    {
      g_string_free (units, TRUE);
      return;
    }

  for (guint i = 0; i < order->units->len; i++)
    {
      BcOrderAssignment *assignment = &g_array_index (order->units, BcOrderAssignment, i);

      if (i > 0)
        g_string_append (units, _(", "));
      g_string_append (units, call_sign (self, assignment->unit, buffer));

      if (assignment->state != BC_ORDER_UNIT_STATE_SENT)
        {
          gboolean accepted = assignment->state == BC_ORDER_UNIT_STATE_ACKNOWLEDGED;
          g_autofree char *ack_key = g_strdup_printf ("ack:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                                                      order->id, assignment->unit);
          g_autofree char *ack_title =
            g_strdup_printf (accepted ? _("%s acknowledged the order") : _("%s refused the order"),
                             call_sign (self, assignment->unit, buffer));

          upsert_entry (self, ack_key, accepted ? ENTRY_ACK : ENTRY_REFUSED, assignment->at,
                        ack_title, NULL);
        }
    }

  key = g_strdup_printf ("order:%" G_GINT64_FORMAT, order->id);
  /* Translators: an order in the timeline: the units, then who sent it */
  title = g_strdup_printf (_("Order to %s (by %s)"), units->str,
                           order->issued_by != NULL ? order->issued_by : "?");
  upsert_entry (self, key, ENTRY_ORDER, order->issued_at, title, order->instructions);
  g_string_free (units, TRUE);
}

static void
add_note (BkTimeline *self,
          BcNote     *note)
{
  g_autofree char *key = NULL;
  g_autofree char *title = NULL;

  if (note->incident != incident_id (self))
    return;

  key = g_strdup_printf ("note:%" G_GINT64_FORMAT, note->id);
  /* Translators: a note in the timeline; %s is its author */
  title = g_strdup_printf (_("Note by %s"), note->author != NULL ? note->author : "?");
  upsert_entry (self, key, ENTRY_NOTE, note->at, title, note->text);
}

static void
orders_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  BkTimeline *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) orders = bc_client_list_orders_finish (BC_CLIENT (object), result, &error);

  if (orders == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot list orders: %s", error->message);
      return;
    }

  for (guint i = 0; i < orders->len; i++)
    add_order (self, g_ptr_array_index (orders, i));
}

static void
notes_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  BkTimeline *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) notes = bc_client_list_notes_finish (BC_CLIENT (object), result, &error);

  if (notes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot list notes: %s", error->message);
      return;
    }

  for (guint i = 0; i < notes->len; i++)
    add_note (self, g_ptr_array_index (notes, i));
}

static void
client_event_cb (BkTimeline *self,
                 BcEvent    *event)
{
  if (self->incident == NULL || event->data == NULL)
    return;

  if (g_str_equal (event->type, BC_EVENT_ORDER_CREATED)
      || g_str_equal (event->type, BC_EVENT_ORDER_ACKED))
    {
      g_autoptr(BcOrder) order = bc_order_from_json (event->data, NULL);
      if (order != NULL)
        add_order (self, order);
    }
  else if (g_str_equal (event->type, BC_EVENT_NOTE_ADDED))
    {
      g_autoptr(BcNote) note = bc_note_from_json (event->data, NULL);
      if (note != NULL)
        add_note (self, note);
    }
  else if (g_str_equal (event->type, BC_EVENT_INCIDENT_UPDATED))
    {
      /* A closed incident leaves the live state without a last update of its object; take
       * it from here. (Open ones are updated by the live state, and must be: it compares
       * versions to know what changed.) */
      g_autoptr(BcIncident) incident = bc_incident_from_json (event->data, NULL);

      if (incident != NULL && !bc_incident_is_open (incident)
          && bc_incident_get_id (incident) == incident_id (self)
          && bc_incident_get_version (incident) > bc_incident_get_version (self->incident))
        {
          bc_incident_update_from (self->incident, incident);
          update_milestones (self);
        }
    }
}

/* ---- notes -------------------------------------------------------------------------------- */

static void
show_error (BkTimeline *self,
            const char *text)
{
  gtk_label_set_label (self->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
note_added_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(BkTimeline) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcNote) note = bc_client_add_note_finish (BC_CLIENT (object), result, &error);

  if (gtk_widget_in_destruction (GTK_WIDGET (self)) || self->list == NULL)
    return;

  if (note != NULL)
    {
      show_error (self, NULL);
      add_note (self, note);
    }
  else if (g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED))
    show_error (self, _("The server cannot be reached; the note waits in the outbox and is "
                        "added when the server is back."));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("The note was not added: %s"), error->message);
      show_error (self, text);
    }
}

gboolean
bk_timeline_add_note (BkTimeline *self,
                      const char *text)
{
  g_autofree char *trimmed = NULL;

  g_return_val_if_fail (BK_IS_TIMELINE (self), FALSE);

  if (self->incident == NULL || self->client == NULL || text == NULL)
    return FALSE;

  trimmed = g_strstrip (g_strdup (text));
  if (trimmed[0] == '\0')
    return FALSE;

  bc_client_add_note_async (self->client, incident_id (self), trimmed, NULL, note_added_cb,
                            g_object_ref (self));
  return TRUE;
}

static void
note_activate_cb (BkTimeline *self)
{
  if (bk_timeline_add_note (self, gtk_editable_get_text (GTK_EDITABLE (self->note_entry))))
    gtk_editable_set_text (GTK_EDITABLE (self->note_entry), "");
}

/* ---- public ------------------------------------------------------------------------------- */

void
bk_timeline_set_incident (BkTimeline *self,
                          BcIncident *incident)
{
  g_return_if_fail (BK_IS_TIMELINE (self));
  g_return_if_fail (incident == NULL || BC_IS_INCIDENT (incident));

  if (self->incident == incident)
    return;

  if (self->incident != NULL)
    g_signal_handlers_disconnect_by_data (self->incident, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_set_object (&self->incident, incident);
  clear_entries (self);
  show_error (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->note_entry), incident != NULL);
  gtk_label_set_label (self->title_label, "");

  if (incident == NULL)
    return;

  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (incident, "notify::version", G_CALLBACK (update_milestones), self,
                           G_CONNECT_SWAPPED);
  update_milestones (self);

  if (self->client != NULL)
    {
      bc_client_list_orders_async (self->client, incident_id (self), self->cancellable,
                                   orders_cb, self);
      bc_client_list_notes_async (self->client, incident_id (self), self->cancellable,
                                  notes_cb, self);
    }
}

void
bk_timeline_set_live_state (BkTimeline  *self,
                            BkLiveState *live_state)
{
  g_return_if_fail (BK_IS_TIMELINE (self));
  g_return_if_fail (live_state == NULL || BK_IS_LIVE_STATE (live_state));

  if (self->live_state == live_state)
    return;

  bk_timeline_set_incident (self, NULL);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  g_set_object (&self->live_state, live_state);

  if (live_state != NULL)
    {
      self->client = g_object_ref (bk_live_state_get_client (live_state));
      g_signal_connect_object (self->client, "event", G_CALLBACK (client_event_cb), self,
                               G_CONNECT_SWAPPED);
    }
}

void
bk_timeline_focus_note (BkTimeline *self)
{
  g_return_if_fail (BK_IS_TIMELINE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->note_entry));
}

guint
bk_timeline_get_n_entries (BkTimeline *self)
{
  g_return_val_if_fail (BK_IS_TIMELINE (self), 0);

  return g_hash_table_size (self->entries);
}

char *
bk_timeline_dup_entry (BkTimeline *self,
                       guint       index)
{
  GtkListBoxRow *row;
  Entry *entry;

  g_return_val_if_fail (BK_IS_TIMELINE (self), NULL);

  row = gtk_list_box_get_row_at_index (self->list, (int) index);
  if (row == NULL)
    return NULL;
  entry = g_object_get_qdata (G_OBJECT (row), entry_quark);
  return g_strdup_printf ("%s: %s", kind_names[entry->kind], entry->title);
}

/* ---- class -------------------------------------------------------------------------------- */

static void
bk_timeline_dispose (GObject *object)
{
  BkTimeline *self = BK_TIMELINE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->incident != NULL)
    g_signal_handlers_disconnect_by_data (self->incident, self);
  g_clear_object (&self->incident);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  g_clear_object (&self->live_state);
  if (self->entries != NULL)
    g_hash_table_remove_all (self->entries);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_TIMELINE);
  /* The template's top box has no id of its own, so it is not cleared with the bound ones. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (bk_timeline_parent_class)->dispose (object);
}

static void
bk_timeline_finalize (GObject *object)
{
  BkTimeline *self = BK_TIMELINE (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);

  G_OBJECT_CLASS (bk_timeline_parent_class)->finalize (object);
}

static void
bk_timeline_class_init (BkTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bk_timeline_dispose;
  object_class->finalize = bk_timeline_finalize;

  entry_quark = g_quark_from_static_string ("bk-timeline-entry");

  gtk_widget_class_set_template_from_resource (widget_class, "/cn/jingmen/Beacon/bk-timeline.ui");
  gtk_widget_class_bind_template_child (widget_class, BkTimeline, title_label);
  gtk_widget_class_bind_template_child (widget_class, BkTimeline, list);
  gtk_widget_class_bind_template_child (widget_class, BkTimeline, note_entry);
  gtk_widget_class_bind_template_child (widget_class, BkTimeline, error_label);
  gtk_widget_class_bind_template_callback (widget_class, note_activate_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bk-timeline");
}

static void
bk_timeline_init (BkTimeline *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
  gtk_list_box_set_sort_func (self->list, sort_rows, NULL, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->note_entry), FALSE);
}

BkTimeline *
bk_timeline_new (void)
{
  return g_object_new (BK_TYPE_TIMELINE, NULL);
}
