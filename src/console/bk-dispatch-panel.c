/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-dispatch-panel.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "bk-command-parser.h"
#include "bk-format.h"

#define N_RECOMMENDATIONS 8
/* Unit changes come in bursts (one dispatch moves several units): wait a little. */
#define REFRESH_DELAY_MS 300

typedef struct
{
  gint64 unit_id;
  GtkWidget *row;
  GtkCheckButton *check;
} RecRow;

/* One unit's line in an order, or in a dispatch waiting in the outbox. */
typedef struct
{
  BkDispatchPanel *panel;
  char *key;
  gint64 unit_id;
  gint64 order_id;        /* 0 for an outbox item */
  gint64 outbox_id;       /* 0 for an order */
  gint64 at;              /* when it was sent, or queued */
  BkOrderLineState state;
  GtkWidget *row;
  GtkLabel *badge;
  GtkLabel *detail;
  GtkWidget *radio_button;  /* records an acknowledgement the crew gave by radio */
} OrderLine;

struct _BkDispatchPanel
{
  GtkWidget parent_instance;

  BkLiveState *live_state;
  BcClient *client;
  BcOutbox *outbox;
  BcIncident *incident;
  GCancellable *cancellable;        /* this incident's requests */

  GArray *recs;                     /* RecRow */
  GHashTable *checked;              /* gint64 unit ids */
  GHashTable *lines;                /* key → OrderLine */
  gboolean loading;
  gboolean sending;
  gboolean disposed;          /* answers may come after the widgets are gone */
  gboolean send_when_loaded;
  gboolean preselect;
  guint refresh_id;
  guint tick_id;
  char *message;

  GtkStack *stack;
  GtkLabel *priority_label;
  GtkLabel *number_label;
  GtkLabel *type_label;
  GtkLabel *status_label;
  GtkLabel *age_label;
  GtkLabel *address_label;
  GtkLabel *description_label;
  GtkMenuButton *incident_menu_button;
  GtkRevealer *message_revealer;
  GtkWidget *message_box;
  GtkImage *message_icon;
  GtkLabel *message_label;
  GtkSpinner *spinner;
  GtkListBox *rec_list;
  GtkEntry *instructions_entry;
  GtkButton *send_button;
  GtkLabel *send_label;
  GtkListBox *order_list;
};

G_DEFINE_FINAL_TYPE (BkDispatchPanel, bk_dispatch_panel, GTK_TYPE_WIDGET)

enum {
  DISPATCHED,
  QUEUED,
  UNIT_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void load_recommendations (BkDispatchPanel *self);
static void update_actions       (BkDispatchPanel *self);

static gint64
incident_id (BkDispatchPanel *self)
{
  return self->incident != NULL ? bc_incident_get_id (self->incident) : 0;
}

/* ---- message ------------------------------------------------------------------------------ */

static void
show_message (BkDispatchPanel *self,
              const char      *text,
              gboolean         is_error)
{
  g_free (self->message);
  self->message = g_strdup (text);

  if (text == NULL)
    {
      gtk_revealer_set_reveal_child (self->message_revealer, FALSE);
      return;
    }

  gtk_label_set_label (self->message_label, text);
  gtk_image_set_from_icon_name (self->message_icon, is_error ? "dialog-error-symbolic"
                                                             : "document-send-symbolic");
  if (is_error)
    {
      gtk_widget_add_css_class (self->message_box, "error");
      gtk_widget_remove_css_class (self->message_box, "queued");
    }
  else
    {
      gtk_widget_add_css_class (self->message_box, "queued");
      gtk_widget_remove_css_class (self->message_box, "error");
    }
  gtk_revealer_set_reveal_child (self->message_revealer, TRUE);
}

/* The panel says more than the general sentence when a unit was taken meanwhile: that it
 * looked again. */
static char *
describe_error (const GError *error)
{
  if (g_strcmp0 (bc_client_error_get_code (error), "unit_unavailable") == 0)
    return g_strdup_printf (_("Not sent: a unit is no longer available (%s). The "
                              "recommendations have been refreshed."), error->message);

  return bk_format_client_error (error);
}

/* ---- header ------------------------------------------------------------------------------- */

static const char *
status_class (BcIncidentStatus status)
{
  switch (status)
    {
    case BC_INCIDENT_STATUS_NEW:
      return "status-new";
    case BC_INCIDENT_STATUS_DISPATCHED:
      return "status-dispatched";
    case BC_INCIDENT_STATUS_EN_ROUTE:
      return "status-en-route";
    case BC_INCIDENT_STATUS_ON_SCENE:
      return "status-on-scene";
    case BC_INCIDENT_STATUS_CLOSED:
    case BC_INCIDENT_STATUS_CANCELLED:
    default:
      return "status-closed";
    }
}

static void
update_age (BkDispatchPanel *self)
{
  g_autofree char *text = NULL;
  gint64 end = g_get_real_time ();

  if (self->incident == NULL)
    return;

  if (bc_incident_get_closed_at (self->incident) > 0)
    end = bc_incident_get_closed_at (self->incident);
  else if (bc_incident_get_cancelled_at (self->incident) > 0)
    end = bc_incident_get_cancelled_at (self->incident);

  text = bk_format_timer (end - bc_incident_get_created_at (self->incident));
  gtk_label_set_label (self->age_label, text);
}

static void
update_header (BkDispatchPanel *self)
{
  static const char * const priority_classes[] = { "p1", "p2", "p3", "p4" };
  static const char * const status_classes[] = {
    "status-new", "status-dispatched", "status-en-route", "status-on-scene", "status-closed",
  };
  BcIncident *incident = self->incident;
  g_autofree char *priority = NULL;
  const char *own;
  int p;

  if (incident == NULL)
    return;

  p = CLAMP (bc_incident_get_priority (incident), 1, 4);
  priority = g_strdup_printf ("P%d", p);
  gtk_label_set_label (self->priority_label, priority);
  for (guint i = 0; i < G_N_ELEMENTS (priority_classes); i++)
    {
      if ((int) i == p - 1)
        gtk_widget_add_css_class (GTK_WIDGET (self->priority_label), priority_classes[i]);
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self->priority_label), priority_classes[i]);
    }

  gtk_label_set_label (self->number_label, bc_incident_get_number (incident));
  gtk_label_set_label (self->type_label, bc_incident_type_label (bc_incident_get_incident_type (incident)));
  gtk_label_set_label (self->status_label, bc_incident_status_label (bc_incident_get_status (incident)));
  own = status_class (bc_incident_get_status (incident));
  for (guint i = 0; i < G_N_ELEMENTS (status_classes); i++)
    {
      if (g_str_equal (own, status_classes[i]))
        gtk_widget_add_css_class (GTK_WIDGET (self->status_label), status_classes[i]);
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), status_classes[i]);
    }

  gtk_label_set_label (self->address_label, bc_incident_get_address (incident));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->address_label), bc_incident_get_address (incident));
  gtk_label_set_label (self->description_label, bc_incident_get_description (incident) != NULL
                                                 ? bc_incident_get_description (incident) : "");
  gtk_widget_set_visible (GTK_WIDGET (self->description_label),
                          bc_incident_get_description (incident) != NULL
                          && bc_incident_get_description (incident)[0] != '\0');
  update_age (self);
  update_actions (self);
}

static gboolean
tick_cb (gpointer user_data)
{
  BkDispatchPanel *self = user_data;

  update_age (self);
  return G_SOURCE_CONTINUE;
}

static void
update_tick (BkDispatchPanel *self)
{
  gboolean want = self->incident != NULL && gtk_widget_get_mapped (GTK_WIDGET (self));

  if (want && self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  else if (!want)
    g_clear_handle_id (&self->tick_id, g_source_remove);
}

/* ---- actions state ------------------------------------------------------------------------ */

static gboolean
may_dispatch (BkDispatchPanel *self)
{
  BcRole role;

  if (self->client == NULL)
    return FALSE;
  role = bc_client_get_role (self->client);
  return role == BC_ROLE_DISPATCHER || role == BC_ROLE_TRAINER;
}

static void
update_send_label (BkDispatchPanel *self)
{
  guint n = g_hash_table_size (self->checked);
  g_autofree char *text = NULL;

  if (n == 0)
    text = g_strdup (_("Dispatch"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Dispatch %u Unit",
                                         "Dispatch %u Units", n), n);
  gtk_label_set_label (self->send_label, text);
}

static void
update_actions (BkDispatchPanel *self)
{
  gboolean open = self->incident != NULL && bc_incident_is_open (self->incident);
  gboolean allowed = open && may_dispatch (self);
  BcIncidentStatus status = self->incident != NULL ? bc_incident_get_status (self->incident)
                                                   : BC_INCIDENT_STATUS_CLOSED;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "panel.send", allowed && !self->sending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "panel.refresh", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "panel.incident-status", allowed
                                 && status != BC_INCIDENT_STATUS_NEW);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "panel.close-incident", allowed
                                 && status != BC_INCIDENT_STATUS_NEW);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "panel.cancel-incident", allowed);
  /* The roles that dispatch are the ones that may record a unit's answer (docs/api.md). */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "panel.ack-by-radio",
                                 self->incident != NULL && may_dispatch (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->instructions_entry), allowed);
  update_send_label (self);
}

/* ---- recommendations ---------------------------------------------------------------------- */

static void
clear_recs (BkDispatchPanel *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->rec_list))) != NULL)
    gtk_list_box_remove (self->rec_list, child);
  g_array_set_size (self->recs, 0);
}

static void
check_toggled_cb (GtkCheckButton  *check,
                  BkDispatchPanel *self)
{
  gint64 unit_id = *(gint64 *) g_object_get_data (G_OBJECT (check), "unit-id");

  if (gtk_check_button_get_active (check))
    g_hash_table_add (self->checked, g_memdup2 (&unit_id, sizeof unit_id));
  else
    g_hash_table_remove (self->checked, &unit_id);

  update_send_label (self);
}

char *
bk_dispatch_panel_format_eta (double eta_s)
{
  return bk_format_duration ((gint64) (eta_s * G_USEC_PER_SEC));
}

static GtkWidget *
rec_row_new (BkDispatchPanel  *self,
             BcRecommendation *rec,
             guint             rank,
             GtkCheckButton  **out_check)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *names = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label;
  g_autofree char *text = NULL;
  gint64 *id = g_new (gint64, 1);

  *id = bc_unit_get_id (rec->unit);
  g_object_set_data_full (G_OBJECT (check), "unit-id", id, g_free);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), g_hash_table_contains (self->checked, id));
  g_signal_connect_object (check, "toggled", G_CALLBACK (check_toggled_cb), self, 0);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), check);

  text = g_strdup_printf ("%u", rank);
  label = gtk_label_new (text);
  gtk_widget_add_css_class (label, "rec-rank");
  gtk_box_append (GTK_BOX (box), label);
  g_clear_pointer (&text, g_free);

  label = gtk_label_new (bc_unit_get_call_sign (rec->unit));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_widget_add_css_class (label, "rec-call-sign");
  gtk_box_append (GTK_BOX (names), label);
  label = gtk_label_new (bc_unit_get_station (rec->unit) != NULL ? bc_unit_get_station (rec->unit) : "");
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "rec-station");
  gtk_widget_set_visible (label, bc_unit_get_station (rec->unit) != NULL
                                 && bc_unit_get_station (rec->unit)[0] != '\0');
  gtk_box_append (GTK_BOX (names), label);
  gtk_widget_set_hexpand (names, TRUE);
  gtk_widget_set_valign (names, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), names);

  label = gtk_label_new (bc_unit_kind_label (bc_unit_get_kind (rec->unit)));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_width_chars (GTK_LABEL (label), 8);
  gtk_widget_add_css_class (label, "rec-kind");
  gtk_box_append (GTK_BOX (box), label);

  text = bk_format_distance (rec->distance_m);
  label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0f);
  gtk_label_set_width_chars (GTK_LABEL (label), 8);
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_add_css_class (label, "rec-distance");
  gtk_box_append (GTK_BOX (box), label);
  g_clear_pointer (&text, g_free);

  text = bk_dispatch_panel_format_eta (rec->eta_s);
  label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0f);
  gtk_label_set_width_chars (GTK_LABEL (label), 10);
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_add_css_class (label, "rec-eta");
  gtk_box_append (GTK_BOX (box), label);

  gtk_widget_add_css_class (box, "rec-row");
  if (rank == 1)
    gtk_widget_add_css_class (box, "best");
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  *out_check = GTK_CHECK_BUTTON (check);
  return row;
}

static void
rec_row_activated_cb (BkDispatchPanel *self,
                      GtkListBoxRow   *row)
{
  for (guint i = 0; i < self->recs->len; i++)
    {
      RecRow *rec = &g_array_index (self->recs, RecRow, i);

      if (rec->row == GTK_WIDGET (row))
        gtk_check_button_set_active (rec->check, !gtk_check_button_get_active (rec->check));
    }
}

static void
set_loading (BkDispatchPanel *self,
             gboolean         loading)
{
  self->loading = loading;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), loading);
  gtk_spinner_set_spinning (self->spinner, loading);
}

static void
recommendations_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  BkDispatchPanel *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) recs = NULL;
  g_autoptr(GHashTable) offered = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;

  recs = bc_client_recommendations_finish (BC_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_loading (self, FALSE);
  clear_recs (self);

  if (recs == NULL)
    {
      GtkWidget *label;
      g_autofree char *text = NULL;

      /* A closed incident has none; that is not worth an error. */
      if (!g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_INVALID))
        {
          g_autofree char *detail = describe_error (error);
          text = g_strdup_printf (_("No recommendations: %s"), detail);
        }
      label = gtk_label_new (text != NULL ? text : _("No recommendations for a closed incident."));
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "list-placeholder");
      gtk_list_box_append (self->rec_list, label);
      self->send_when_loaded = FALSE;
      return;
    }

  for (guint i = 0; i < recs->len; i++)
    {
      BcRecommendation *rec = g_ptr_array_index (recs, i);
      gint64 id = bc_unit_get_id (rec->unit);

      g_hash_table_add (offered, g_memdup2 (&id, sizeof id));
    }

  /* A checked unit that is no longer offered has been taken: it cannot stay checked. */
  g_hash_table_iter_init (&iter, self->checked);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (offered, key))
      g_hash_table_iter_remove (&iter);

  /* The fewest actions: for an incident nobody has been sent to, the best unit is checked. */
  if (self->preselect && recs->len > 0 && g_hash_table_size (self->checked) == 0)
    {
      gint64 id = bc_unit_get_id (((BcRecommendation *) g_ptr_array_index (recs, 0))->unit);
      g_hash_table_add (self->checked, g_memdup2 (&id, sizeof id));
    }
  self->preselect = FALSE;

  for (guint i = 0; i < recs->len; i++)
    {
      RecRow rec = { 0 };

      rec.unit_id = bc_unit_get_id (((BcRecommendation *) g_ptr_array_index (recs, i))->unit);
      rec.row = rec_row_new (self, g_ptr_array_index (recs, i), i + 1, &rec.check);
      gtk_list_box_append (self->rec_list, rec.row);
      g_array_append_val (self->recs, rec);
    }

  if (recs->len == 0)
    {
      GtkWidget *label = gtk_label_new (_("No unit is available."));
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "list-placeholder");
      gtk_list_box_append (self->rec_list, label);
    }

  update_send_label (self);

  if (self->send_when_loaded)
    {
      self->send_when_loaded = FALSE;
      bk_dispatch_panel_send (self);
    }
}

static void
load_recommendations (BkDispatchPanel *self)
{
  g_clear_handle_id (&self->refresh_id, g_source_remove);

  if (self->incident == NULL || self->client == NULL)
    return;

  set_loading (self, TRUE);
  bc_client_recommendations_async (self->client, incident_id (self), N_RECOMMENDATIONS,
                                   self->cancellable, recommendations_cb, self);
}

static gboolean
refresh_cb (gpointer user_data)
{
  BkDispatchPanel *self = user_data;

  self->refresh_id = 0;
  if (!self->loading && self->incident != NULL && bc_incident_is_open (self->incident))
    load_recommendations (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (BkDispatchPanel *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (REFRESH_DELAY_MS, refresh_cb, self);
}

/* ---- orders ------------------------------------------------------------------------------- */

static void
order_line_free (OrderLine *line)
{
  g_free (line->key);
  g_free (line);
}

static const char *
line_state_text (BkOrderLineState state)
{
  switch (state)
    {
    case BK_ORDER_LINE_PENDING:
      /* Translators: a dispatch waiting in the console's outbox for the server (待发送) */
      return C_("order state", "Pending");
    case BK_ORDER_LINE_SENT:
      return bc_order_unit_state_label (BC_ORDER_UNIT_STATE_SENT);
    case BK_ORDER_LINE_ACKNOWLEDGED:
      return bc_order_unit_state_label (BC_ORDER_UNIT_STATE_ACKNOWLEDGED);
    case BK_ORDER_LINE_REFUSED:
      return bc_order_unit_state_label (BC_ORDER_UNIT_STATE_REFUSED);
    case BK_ORDER_LINE_CONFLICT:
      /* Translators: a queued dispatch that the server refused when it was replayed */
      return C_("order state", "Not sent");
    case BK_ORDER_LINE_NONE:
    default:
      return "";
    }
}

static const char *
line_state_class (BkOrderLineState state)
{
  switch (state)
    {
    case BK_ORDER_LINE_PENDING:
      return "order-pending";
    case BK_ORDER_LINE_SENT:
      return "order-sent";
    case BK_ORDER_LINE_ACKNOWLEDGED:
      return "order-acknowledged";
    case BK_ORDER_LINE_REFUSED:
      return "order-refused";
    case BK_ORDER_LINE_CONFLICT:
      return "order-conflict";
    case BK_ORDER_LINE_NONE:
    default:
      return "order-none";
    }
}

static const char *
unit_call_sign (BkDispatchPanel *self,
                gint64           unit_id,
                char             buffer[32])
{
  BcUnit *unit = self->live_state != NULL ? bk_live_state_lookup_unit (self->live_state, unit_id)
                                          : NULL;

  if (unit != NULL)
    return bc_unit_get_call_sign (unit);
  g_snprintf (buffer, 32, "#%" G_GINT64_FORMAT, unit_id);
  return buffer;
}

static GMenuModel *
unit_menu_new (gint64 unit_id)
{
  static const BcUnitStatus statuses[] = {
    BC_UNIT_STATUS_EN_ROUTE, BC_UNIT_STATUS_ON_SCENE, BC_UNIT_STATUS_AVAILABLE,
    BC_UNIT_STATUS_OFF_DUTY,
  };
  GMenu *menu = g_menu_new ();

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (bc_unit_status_label (statuses[i]), NULL);

      g_menu_item_set_action_and_target_value (item, "panel.unit-status",
                                               g_variant_new ("(xs)", unit_id,
                                                              bc_unit_status_to_string (statuses[i])));
      g_menu_append_item (menu, item);
    }

  return G_MENU_MODEL (menu);
}

static void
update_line (OrderLine *line)
{
  static const BkOrderLineState states[] = {
    BK_ORDER_LINE_PENDING, BK_ORDER_LINE_SENT, BK_ORDER_LINE_ACKNOWLEDGED,
    BK_ORDER_LINE_REFUSED, BK_ORDER_LINE_CONFLICT,
  };
  g_autofree char *when = line->at > 0 ? bk_format_clock (line->at) : NULL;

  gtk_label_set_label (line->badge, line_state_text (line->state));
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      if (states[i] == line->state)
        gtk_widget_add_css_class (GTK_WIDGET (line->badge), line_state_class (states[i]));
      else
        gtk_widget_remove_css_class (GTK_WIDGET (line->badge), line_state_class (states[i]));
    }

  if (line->order_id != 0)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, line->order_id);
      /* Translators: an order's number and when it was sent */
      g_autofree char *text = g_strdup_printf (_("Order %s · %s"), id, when != NULL ? when : "");
      gtk_label_set_label (line->detail, text);
    }
  else if (line->state == BK_ORDER_LINE_PENDING)
    {
      g_autofree char *text = g_strdup_printf (_("Queued %s · waiting for the server"),
                                               when != NULL ? when : "");
      gtk_label_set_label (line->detail, text);
    }

  /* Only an order the server has, to which the unit has not answered yet. */
  if (line->order_id != 0)
    {
      /* The target first: the action takes one, and a button naming it without one warns. */
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (line->radio_button),
                                              g_variant_new ("(xx)", line->order_id,
                                                             line->unit_id));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (line->radio_button), "panel.ack-by-radio");
    }
  gtk_widget_set_visible (line->radio_button,
                          line->order_id != 0 && line->state == BK_ORDER_LINE_SENT);
}

static OrderLine *
ensure_line (BkDispatchPanel *self,
             const char      *key,
             gint64           unit_id)
{
  OrderLine *line = g_hash_table_lookup (self->lines, key);
  GtkWidget *box, *label, *button;
  g_autoptr(GMenuModel) menu = NULL;
  char buffer[32];

  if (line != NULL)
    return line;

  line = g_new0 (OrderLine, 1);
  line->panel = self;
  line->key = g_strdup (key);
  line->unit_id = unit_id;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  gtk_widget_add_css_class (box, "order-row");
  label = gtk_label_new (unit_call_sign (self, unit_id, buffer));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_width_chars (GTK_LABEL (label), 10);
  gtk_widget_add_css_class (label, "order-call-sign");
  gtk_box_append (GTK_BOX (box), label);

  line->badge = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_valign (GTK_WIDGET (line->badge), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (line->badge), "order-state");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (line->badge));

  line->detail = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (line->detail, 0.0f);
  gtk_label_set_ellipsize (line->detail, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (line->detail), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (line->detail), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (line->detail), "numeric");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (line->detail));

  /* Crews often answer over the radio; the dispatcher records that here. */
  line->radio_button = gtk_button_new_with_label (_("Acknowledged by Radio"));
  gtk_widget_set_name (line->radio_button, "ack-by-radio");
  gtk_widget_set_valign (line->radio_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (line->radio_button,
                               _("Record that the unit acknowledged this order by radio"));
  gtk_widget_add_css_class (line->radio_button, "flat");
  gtk_widget_add_css_class (line->radio_button, "ack-by-radio");
  gtk_widget_set_visible (line->radio_button, FALSE);
  gtk_box_append (GTK_BOX (box), line->radio_button);

  menu = unit_menu_new (unit_id);
  button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), menu);
  gtk_widget_set_tooltip_text (button, _("Unit Status"));
  gtk_widget_add_css_class (button, "flat");
  gtk_box_append (GTK_BOX (box), button);

  line->row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (line->row), box);
  g_object_set_data_full (G_OBJECT (line->row), "unit-id", g_memdup2 (&unit_id, sizeof unit_id),
                          g_free);
  /* Newest first. */
  gtk_list_box_prepend (self->order_list, line->row);
  g_hash_table_insert (self->lines, line->key, line);
  return line;
}

static void
remove_line (BkDispatchPanel *self,
             OrderLine       *line)
{
  gtk_list_box_remove (self->order_list, line->row);
  g_hash_table_remove (self->lines, line->key);
}

static void
clear_lines (BkDispatchPanel *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->lines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    gtk_list_box_remove (self->order_list, ((OrderLine *) value)->row);
  g_hash_table_remove_all (self->lines);
}

static BkOrderLineState
line_state_from_order (BcOrderUnitState state)
{
  switch (state)
    {
    case BC_ORDER_UNIT_STATE_ACKNOWLEDGED:
      return BK_ORDER_LINE_ACKNOWLEDGED;
    case BC_ORDER_UNIT_STATE_REFUSED:
      return BK_ORDER_LINE_REFUSED;
    case BC_ORDER_UNIT_STATE_SENT:
    default:
      return BK_ORDER_LINE_SENT;
    }
}

static void
upsert_order (BkDispatchPanel *self,
              BcOrder         *order)
{
  if (order->incident != incident_id (self))
    return;

  for (guint i = 0; i < order->units->len; i++)
    {
      BcOrderAssignment *assignment = &g_array_index (order->units, BcOrderAssignment, i);
      g_autofree char *key = g_strdup_printf ("o%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                                              order->id, assignment->unit);
      OrderLine *line = ensure_line (self, key, assignment->unit);

      line->order_id = order->id;
      line->state = line_state_from_order (assignment->state);
      line->at = assignment->state == BC_ORDER_UNIT_STATE_SENT ? order->issued_at : assignment->at;
      update_line (line);
    }
}

static void
orders_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  BkDispatchPanel *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) orders = NULL;

  orders = bc_client_list_orders_finish (BC_CLIENT (object), result, &error);
  if (orders == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot list orders: %s", error->message);
      return;
    }

  for (guint i = 0; i < orders->len; i++)
    upsert_order (self, g_ptr_array_index (orders, i));
}

/* Dispatches of the shown incident that wait in the outbox, one line per unit. Only the lines
 * of items that appeared, changed or left are touched. */
static void
sync_outbox (BkDispatchPanel *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  guint n;

  if (self->incident == NULL)
    return;

  n = self->outbox != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->outbox)) : 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BcOutboxItem) item = g_list_model_get_item (G_LIST_MODEL (self->outbox), i);
      g_autoptr(JsonNode) body = NULL;
      JsonArray *units;
      BkOrderLineState state;

      if (bc_outbox_item_get_kind (item) != BC_OUTBOX_KIND_DISPATCH
          || bc_outbox_item_get_target_id (item) != incident_id (self))
        continue;

      body = bc_outbox_item_dup_body_json (item);
      if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
        continue;
      units = json_object_get_array_member (json_node_get_object (body), "units");
      state = bc_outbox_item_get_state (item) == BC_OUTBOX_STATE_CONFLICT ? BK_ORDER_LINE_CONFLICT
                                                                         : BK_ORDER_LINE_PENDING;

      for (guint u = 0; units != NULL && u < json_array_get_length (units); u++)
        {
          gint64 unit_id = json_array_get_int_element (units, u);
          g_autofree char *key = g_strdup_printf ("q%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                                                  bc_outbox_item_get_id (item), unit_id);
          OrderLine *line = ensure_line (self, key, unit_id);

          line->outbox_id = bc_outbox_item_get_id (item);
          line->at = bc_outbox_item_get_created_at (item);
          if (line->state != state)
            {
              line->state = state;
              update_line (line);
            }
          if (state == BK_ORDER_LINE_CONFLICT)
            gtk_label_set_label (line->detail, bc_outbox_item_get_error_message (item) != NULL
                                               ? bc_outbox_item_get_error_message (item) : "");
          g_hash_table_add (seen, line->key);
        }
    }

  g_hash_table_iter_init (&iter, self->lines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      OrderLine *line = value;

      if (line->outbox_id != 0 && !g_hash_table_contains (seen, line->key))
        g_ptr_array_add (gone, line);
    }
  for (guint i = 0; i < gone->len; i++)
    remove_line (self, g_ptr_array_index (gone, i));
}

static void
set_outbox (BkDispatchPanel *self,
            BcOutbox        *outbox)
{
  if (self->outbox == outbox)
    return;

  if (self->outbox != NULL)
    g_signal_handlers_disconnect_by_data (self->outbox, self);
  g_set_object (&self->outbox, outbox);
  if (outbox != NULL)
    g_signal_connect_object (outbox, "items-changed", G_CALLBACK (sync_outbox), self,
                             G_CONNECT_SWAPPED);
  sync_outbox (self);
}

static void
client_outbox_cb (BkDispatchPanel *self)
{
  set_outbox (self, bc_client_get_outbox (self->client));
}

static void
client_event_cb (BkDispatchPanel *self,
                 BcEvent         *event)
{
  if ((g_str_equal (event->type, BC_EVENT_ORDER_CREATED)
       || g_str_equal (event->type, BC_EVENT_ORDER_ACKED))
      && event->data != NULL && self->incident != NULL)
    {
      g_autoptr(BcOrder) order = bc_order_from_json (event->data, NULL);

      if (order != NULL)
        upsert_order (self, order);
    }
  else if (g_str_equal (event->type, BC_EVENT_INCIDENT_UPDATED) && event->data != NULL
           && self->incident != NULL)
    {
      /* A closed incident leaves the live state without a last update of its object (open
       * ones are the live state's to update: it compares versions to see what changed). */
      g_autoptr(BcIncident) incident = bc_incident_from_json (event->data, NULL);

      if (incident != NULL && !bc_incident_is_open (incident)
          && bc_incident_get_id (incident) == incident_id (self)
          && bc_incident_get_version (incident) > bc_incident_get_version (self->incident))
        bc_incident_update_from (self->incident, incident);
    }
}

static void
unit_changed_cb (BkDispatchPanel *self,
                 BcUnit          *unit,
                 gboolean         position_only)
{
  gint64 id = bc_unit_get_id (unit);

  if (self->incident == NULL || !bc_incident_is_open (self->incident))
    return;

  /* A unit that became available may now be the best; one that is no longer available
   * must leave the list. Moves change distances, but a list that reorders itself under
   * the dispatcher's pointer is worse than one refreshed on demand. */
  if (position_only)
    return;

  if (bc_unit_get_status (unit) == BC_UNIT_STATUS_AVAILABLE)
    {
      schedule_refresh (self);
      return;
    }

  for (guint i = 0; i < self->recs->len; i++)
    if (g_array_index (self->recs, RecRow, i).unit_id == id)
      {
        schedule_refresh (self);
        return;
      }
}

/* ---- sending ------------------------------------------------------------------------------ */

typedef struct
{
  BkDispatchPanel *self;
  gint64 incident_id;
} SendData;

static void
dispatch_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  SendData *data = user_data;
  BkDispatchPanel *self = data->self;
  gint64 sent_for = data->incident_id;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = NULL;

  g_free (data);
  order = bc_client_dispatch_finish (BC_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->disposed)
    {
      g_object_unref (self);
      return;
    }

  self->sending = FALSE;

  if (order != NULL)
    {
      if (sent_for == incident_id (self))
        {
          show_message (self, NULL, FALSE);
          g_hash_table_remove_all (self->checked);
          gtk_editable_set_text (GTK_EDITABLE (self->instructions_entry), "");
          upsert_order (self, order);
          schedule_refresh (self);
        }
      g_signal_emit (self, signals[DISPATCHED], 0, order);
    }
  else if (g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED))
    {
      if (sent_for == incident_id (self))
        {
          g_autofree char *text = describe_error (error);
          show_message (self, text, FALSE);
          g_hash_table_remove_all (self->checked);
          gtk_editable_set_text (GTK_EDITABLE (self->instructions_entry), "");
          sync_outbox (self);
        }
      g_signal_emit (self, signals[QUEUED], 0, sent_for);
    }
  else if (sent_for == incident_id (self))
    {
      g_autofree char *text = describe_error (error);

      show_message (self, text, TRUE);
      if (g_strcmp0 (bc_client_error_get_code (error), "unit_unavailable") == 0)
        load_recommendations (self);
    }

  update_actions (self);
  if (sent_for == incident_id (self))
    {
      /* Checks reflect the new state of the lists. */
      for (guint i = 0; i < self->recs->len; i++)
        {
          RecRow *rec = &g_array_index (self->recs, RecRow, i);
          g_signal_handlers_block_by_func (rec->check, check_toggled_cb, self);
          gtk_check_button_set_active (rec->check,
                                       g_hash_table_contains (self->checked, &rec->unit_id));
          g_signal_handlers_unblock_by_func (rec->check, check_toggled_cb, self);
        }
      update_send_label (self);
    }
  g_object_unref (self);
}

gboolean
bk_dispatch_panel_send (BkDispatchPanel *self)
{
  g_autoptr(GArray) units = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *instructions = NULL;
  SendData *data;

  g_return_val_if_fail (BK_IS_DISPATCH_PANEL (self), FALSE);

  if (self->incident == NULL || self->client == NULL || self->sending)
    return FALSE;
  if (!bc_incident_is_open (self->incident))
    {
      show_message (self, _("This incident is closed."), TRUE);
      return FALSE;
    }
  if (!may_dispatch (self))
    {
      show_message (self, _("Your role may not dispatch units."), TRUE);
      return FALSE;
    }

  /* Recommendations order units from best to worst; the order is sent in that order. */
  for (guint i = 0; i < self->recs->len; i++)
    {
      RecRow *rec = &g_array_index (self->recs, RecRow, i);
      if (g_hash_table_contains (self->checked, &rec->unit_id))
        g_array_append_val (units, rec->unit_id);
    }

  if (units->len == 0)
    {
      if (self->loading)
        {
          /* Ctrl+Enter pressed before the list arrived: send with the best unit then. */
          self->send_when_loaded = TRUE;
          self->preselect = self->preselect || g_hash_table_size (self->checked) == 0;
          return TRUE;
        }
      show_message (self, _("Check at least one unit to send."), TRUE);
      return FALSE;
    }

  instructions = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->instructions_entry))));
  self->sending = TRUE;
  update_actions (self);

  data = g_new0 (SendData, 1);
  data->self = g_object_ref (self);
  data->incident_id = incident_id (self);
  /* Not cancelled with the incident: the answer still tells what became of the order. */
  bc_client_dispatch_async (self->client, incident_id (self), (const gint64 *) (gpointer) units->data,
                            units->len, instructions[0] != '\0' ? instructions : NULL, NULL,
                            NULL, dispatch_cb, data);
  return TRUE;
}

static void
instructions_activate_cb (BkDispatchPanel *self)
{
  bk_dispatch_panel_send (self);
}

static void
order_row_selected_cb (BkDispatchPanel *self,
                       GtkListBoxRow   *row)
{
  gint64 *unit_id;

  if (row == NULL)
    return;
  unit_id = g_object_get_data (G_OBJECT (row), "unit-id");
  if (unit_id != NULL)
    g_signal_emit (self, signals[UNIT_SELECTED], 0, *unit_id);
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static void
patch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BkDispatchPanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = NULL;

  incident = bc_client_patch_incident_finish (BC_CLIENT (object), result, &error);
  if (self->disposed)
    return;
  if (incident != NULL)
    {
      show_message (self, NULL, FALSE);
      return;
    }
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = describe_error (error);
      show_message (self, text, !g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED));
    }
}

static void
patch_incident (BkDispatchPanel *self,
                JsonObject      *changes)
{
  if (self->incident == NULL || self->client == NULL)
    return;

  bc_client_patch_incident_async (self->client, incident_id (self),
                                  bc_incident_get_version (self->incident), changes, NULL,
                                  patch_cb, g_object_ref (self));
}

void
bk_dispatch_panel_set_incident_status (BkDispatchPanel  *self,
                                       BcIncidentStatus  status)
{
  g_autoptr(JsonObject) changes = json_object_new ();

  g_return_if_fail (BK_IS_DISPATCH_PANEL (self));
  g_return_if_fail (status == BC_INCIDENT_STATUS_EN_ROUTE || status == BC_INCIDENT_STATUS_ON_SCENE);

  if (self->incident == NULL || !may_dispatch (self))
    return;
  if (!bc_incident_status_can_transition (bc_incident_get_status (self->incident), status))
    {
      g_autofree char *text =
        g_strdup_printf (_("An incident that is “%s” cannot become “%s”."),
                         bc_incident_status_label (bc_incident_get_status (self->incident)),
                         bc_incident_status_label (status));
      show_message (self, text, TRUE);
      return;
    }

  json_object_set_string_member (changes, "status", bc_incident_status_to_string (status));
  patch_incident (self, changes);
}

void
bk_dispatch_panel_close_incident (BkDispatchPanel *self,
                                  const char      *disposition)
{
  g_autoptr(JsonObject) changes = json_object_new ();

  g_return_if_fail (BK_IS_DISPATCH_PANEL (self));
  g_return_if_fail (disposition != NULL && disposition[0] != '\0');

  if (self->incident == NULL || !may_dispatch (self))
    return;

  json_object_set_string_member (changes, "status", "closed");
  json_object_set_string_member (changes, "disposition", disposition);
  patch_incident (self, changes);
}

void
bk_dispatch_panel_cancel_incident (BkDispatchPanel *self)
{
  g_autoptr(JsonObject) changes = json_object_new ();

  g_return_if_fail (BK_IS_DISPATCH_PANEL (self));

  if (self->incident == NULL || !may_dispatch (self))
    return;

  json_object_set_string_member (changes, "status", "cancelled");
  patch_incident (self, changes);
}

static void
close_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   BkDispatchPanel  *self)
{
  GtkDropDown *drop_down = GTK_DROP_DOWN (adw_message_dialog_get_extra_child (dialog));
  gint64 expected = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dialog), "incident"));
  guint index = gtk_drop_down_get_selected (drop_down);

  if (g_str_equal (response, "close") && expected == incident_id (self)
      && index < bk_disposition_get_n ())
    bk_dispatch_panel_close_incident (self, bk_disposition_get_code (index));
}

void
bk_dispatch_panel_ask_close (BkDispatchPanel *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  GtkWidget *dialog, *drop_down;
  GtkRoot *root;

  g_return_if_fail (BK_IS_DISPATCH_PANEL (self));

  if (self->incident == NULL || !bc_incident_is_open (self->incident))
    return;

  for (guint i = 0; i < bk_disposition_get_n (); i++)
    gtk_string_list_append (labels, bk_disposition_get_label (i));

  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Close Incident"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("How was %s resolved? The assigned units become available."),
                                  bc_incident_get_number (self->incident));
  drop_down = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&labels)), NULL);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), drop_down);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Keep Open"),
                                    "close", _("_Close Incident"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "close",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "incident", GSIZE_TO_POINTER (incident_id (self)));
  g_signal_connect_object (dialog, "response", G_CALLBACK (close_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
cancel_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    BkDispatchPanel  *self)
{
  gint64 expected = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dialog), "incident"));

  if (g_str_equal (response, "cancel-incident") && expected == incident_id (self))
    bk_dispatch_panel_cancel_incident (self);
}

void
bk_dispatch_panel_ask_cancel (BkDispatchPanel *self)
{
  GtkWidget *dialog;
  GtkRoot *root;

  g_return_if_fail (BK_IS_DISPATCH_PANEL (self));

  if (self->incident == NULL || !bc_incident_is_open (self->incident))
    return;

  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Cancel Incident?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("%s will be cancelled and its units released. Use this for "
                                    "reports entered by mistake; a handled incident is closed "
                                    "instead."),
                                  bc_incident_get_number (self->incident));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep"),
                                    "cancel-incident", _("C_ancel Incident"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "cancel-incident",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_object_set_data (G_OBJECT (dialog), "incident", GSIZE_TO_POINTER (incident_id (self)));
  g_signal_connect_object (dialog, "response", G_CALLBACK (cancel_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
unit_status_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(BkDispatchPanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcUnit) unit = bc_client_set_unit_status_finish (BC_CLIENT (object), result, &error);

  if (unit == NULL && !self->disposed && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = describe_error (error);
      show_message (self, text, !g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED));
    }
}

static void
ack_by_radio_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(BkDispatchPanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = bc_client_ack_order_finish (BC_CLIENT (object), result, &error);

  if (self->disposed)
    return;
  if (order != NULL)
    {
      /* The order.acked event says the same; the answer is here first. */
      upsert_order (self, order);
      return;
    }
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = describe_error (error);
      show_message (self, text, !g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED));
    }
}

/* ---- actions ------------------------------------------------------------------------------ */

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  bk_dispatch_panel_send (BK_DISPATCH_PANEL (widget));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  bk_dispatch_panel_refresh (BK_DISPATCH_PANEL (widget));
}

static void
dismiss_message_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  show_message (BK_DISPATCH_PANEL (widget), NULL, FALSE);
}

static void
incident_status_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  BcIncidentStatus status;

  if (bc_incident_status_from_string (g_variant_get_string (parameter, NULL), &status)
      && (status == BC_INCIDENT_STATUS_EN_ROUTE || status == BC_INCIDENT_STATUS_ON_SCENE))
    bk_dispatch_panel_set_incident_status (BK_DISPATCH_PANEL (widget), status);
}

static void
close_incident_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  bk_dispatch_panel_ask_close (BK_DISPATCH_PANEL (widget));
}

static void
cancel_incident_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  bk_dispatch_panel_ask_cancel (BK_DISPATCH_PANEL (widget));
}

static void
unit_status_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  BkDispatchPanel *self = BK_DISPATCH_PANEL (widget);
  gint64 unit_id;
  const char *code;
  BcUnitStatus status;
  BcUnit *unit;

  g_variant_get (parameter, "(x&s)", &unit_id, &code);
  if (self->live_state == NULL || !bc_unit_status_from_string (code, &status))
    return;
  unit = bk_live_state_lookup_unit (self->live_state, unit_id);
  if (unit == NULL)
    return;

  bc_client_set_unit_status_async (self->client, unit_id, status, bc_unit_get_version (unit),
                                   NULL, unit_status_cb, g_object_ref (self));
}

static void
ack_by_radio_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BkDispatchPanel *self = BK_DISPATCH_PANEL (widget);
  gint64 order_id, unit_id;

  g_variant_get (parameter, "(xx)", &order_id, &unit_id);
  if (self->client == NULL || order_id <= 0 || unit_id <= 0)
    return;

  bc_client_ack_order_async (self->client, order_id, unit_id, TRUE, NULL, ack_by_radio_cb,
                             g_object_ref (self));
}

/* ---- public ------------------------------------------------------------------------------- */

static void
incident_notify_cb (BkDispatchPanel *self)
{
  update_header (self);
}

void
bk_dispatch_panel_set_incident (BkDispatchPanel *self,
                                BcIncident      *incident)
{
  g_return_if_fail (BK_IS_DISPATCH_PANEL (self));
  g_return_if_fail (incident == NULL || BC_IS_INCIDENT (incident));

  if (self->incident == incident)
    return;

  if (self->incident != NULL)
    g_signal_handlers_disconnect_by_data (self->incident, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_set_object (&self->incident, incident);

  clear_recs (self);
  clear_lines (self);
  g_hash_table_remove_all (self->checked);
  set_loading (self, FALSE);
  self->send_when_loaded = FALSE;
  show_message (self, NULL, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->instructions_entry), "");

  if (incident == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      update_actions (self);
      update_tick (self);
      return;
    }

  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (incident, "notify::version", G_CALLBACK (incident_notify_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_stack_set_visible_child_name (self->stack, "incident");
  update_header (self);
  update_tick (self);

  /* Nobody has been sent yet: the best unit is the obvious choice. */
  self->preselect = bc_incident_get_status (incident) == BC_INCIDENT_STATUS_NEW;
  if (bc_incident_is_open (incident))
    load_recommendations (self);
  else
    {
      GtkWidget *label = gtk_label_new (_("This incident is closed."));
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "list-placeholder");
      gtk_list_box_append (self->rec_list, label);
    }

  if (self->client != NULL)
    bc_client_list_orders_async (self->client, incident_id (self), self->cancellable, orders_cb,
                                 self);
  sync_outbox (self);
}

BcIncident *
bk_dispatch_panel_get_incident (BkDispatchPanel *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_PANEL (self), NULL);

  return self->incident;
}

void
bk_dispatch_panel_set_live_state (BkDispatchPanel *self,
                                  BkLiveState     *live_state)
{
  g_return_if_fail (BK_IS_DISPATCH_PANEL (self));
  g_return_if_fail (live_state == NULL || BK_IS_LIVE_STATE (live_state));

  if (self->live_state == live_state)
    return;

  bk_dispatch_panel_set_incident (self, NULL);
  if (self->live_state != NULL)
    g_signal_handlers_disconnect_by_data (self->live_state, self);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  set_outbox (self, NULL);
  g_clear_object (&self->client);
  g_set_object (&self->live_state, live_state);

  if (live_state != NULL)
    {
      self->client = g_object_ref (bk_live_state_get_client (live_state));
      g_signal_connect_object (live_state, "unit-changed", G_CALLBACK (unit_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "event", G_CALLBACK (client_event_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "notify::outbox", G_CALLBACK (client_outbox_cb),
                               self, G_CONNECT_SWAPPED);
      set_outbox (self, bc_client_get_outbox (self->client));
    }

  update_actions (self);
}

void
bk_dispatch_panel_refresh (BkDispatchPanel *self)
{
  g_return_if_fail (BK_IS_DISPATCH_PANEL (self));

  if (self->incident != NULL && bc_incident_is_open (self->incident))
    load_recommendations (self);
}

void
bk_dispatch_panel_focus_instructions (BkDispatchPanel *self)
{
  g_return_if_fail (BK_IS_DISPATCH_PANEL (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->instructions_entry));
}

void
bk_dispatch_panel_set_instructions (BkDispatchPanel *self,
                                    const char      *text)
{
  g_return_if_fail (BK_IS_DISPATCH_PANEL (self));

  gtk_editable_set_text (GTK_EDITABLE (self->instructions_entry), text != NULL ? text : "");
}

guint
bk_dispatch_panel_get_n_recommendations (BkDispatchPanel *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_PANEL (self), 0);

  return self->recs->len;
}

gint64
bk_dispatch_panel_get_recommendation (BkDispatchPanel *self,
                                      guint            index)
{
  g_return_val_if_fail (BK_IS_DISPATCH_PANEL (self), 0);
  g_return_val_if_fail (index < self->recs->len, 0);

  return g_array_index (self->recs, RecRow, index).unit_id;
}

void
bk_dispatch_panel_set_checked (BkDispatchPanel *self,
                               gint64           unit_id,
                               gboolean         checked)
{
  g_return_if_fail (BK_IS_DISPATCH_PANEL (self));

  for (guint i = 0; i < self->recs->len; i++)
    {
      RecRow *rec = &g_array_index (self->recs, RecRow, i);

      /* Through the check button, as a click would. */
      if (rec->unit_id == unit_id)
        gtk_check_button_set_active (rec->check, checked);
    }
}

gboolean
bk_dispatch_panel_get_checked (BkDispatchPanel *self,
                               gint64           unit_id)
{
  g_return_val_if_fail (BK_IS_DISPATCH_PANEL (self), FALSE);

  return g_hash_table_contains (self->checked, &unit_id);
}

gboolean
bk_dispatch_panel_get_busy (BkDispatchPanel *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_PANEL (self), FALSE);

  return self->loading || self->sending;
}

static OrderLine *
newest_line (BkDispatchPanel *self,
             gint64           unit_id)
{
  GHashTableIter iter;
  gpointer value;
  OrderLine *best = NULL;

  g_hash_table_iter_init (&iter, self->lines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      OrderLine *line = value;

      if (line->unit_id != unit_id)
        continue;
      /* An order the server made wins over an outbox line of the same moment. */
      if (best == NULL || line->order_id > best->order_id
          || (line->order_id == best->order_id && line->at > best->at))
        best = line;
    }

  return best;
}

BkOrderLineState
bk_dispatch_panel_get_unit_state (BkDispatchPanel *self,
                                  gint64           unit_id)
{
  OrderLine *line;

  g_return_val_if_fail (BK_IS_DISPATCH_PANEL (self), BK_ORDER_LINE_NONE);

  line = newest_line (self, unit_id);
  return line != NULL ? line->state : BK_ORDER_LINE_NONE;
}

const char *
bk_dispatch_panel_get_unit_state_text (BkDispatchPanel *self,
                                       gint64           unit_id)
{
  OrderLine *line;

  g_return_val_if_fail (BK_IS_DISPATCH_PANEL (self), NULL);

  line = newest_line (self, unit_id);
  return line != NULL ? gtk_label_get_label (line->badge) : NULL;
}

const char *
bk_dispatch_panel_get_message (BkDispatchPanel *self)
{
  g_return_val_if_fail (BK_IS_DISPATCH_PANEL (self), NULL);

  return self->message;
}

/* ---- class -------------------------------------------------------------------------------- */

static void
bk_dispatch_panel_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (bk_dispatch_panel_parent_class)->map (widget);
  update_tick (BK_DISPATCH_PANEL (widget));
}

static void
bk_dispatch_panel_unmap (GtkWidget *widget)
{
  BkDispatchPanel *self = BK_DISPATCH_PANEL (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  GTK_WIDGET_CLASS (bk_dispatch_panel_parent_class)->unmap (widget);
}

static void
bk_dispatch_panel_dispose (GObject *object)
{
  BkDispatchPanel *self = BK_DISPATCH_PANEL (object);

  self->disposed = TRUE;
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->incident != NULL)
    g_signal_handlers_disconnect_by_data (self->incident, self);
  g_clear_object (&self->incident);
  if (self->live_state != NULL)
    g_signal_handlers_disconnect_by_data (self->live_state, self);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  if (self->outbox != NULL)
    g_signal_handlers_disconnect_by_data (self->outbox, self);
  g_clear_object (&self->outbox);
  g_clear_object (&self->client);
  g_clear_object (&self->live_state);
  if (self->lines != NULL)
    g_hash_table_remove_all (self->lines);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_DISPATCH_PANEL);
  /* The template's top box has no id of its own, so it is not cleared with the bound ones. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (bk_dispatch_panel_parent_class)->dispose (object);
}

static void
bk_dispatch_panel_finalize (GObject *object)
{
  BkDispatchPanel *self = BK_DISPATCH_PANEL (object);

  g_clear_pointer (&self->recs, g_array_unref);
  g_clear_pointer (&self->checked, g_hash_table_unref);
  g_clear_pointer (&self->lines, g_hash_table_unref);
  g_free (self->message);

  G_OBJECT_CLASS (bk_dispatch_panel_parent_class)->finalize (object);
}

static void
bk_dispatch_panel_class_init (BkDispatchPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bk_dispatch_panel_dispose;
  object_class->finalize = bk_dispatch_panel_finalize;
  widget_class->map = bk_dispatch_panel_map;
  widget_class->unmap = bk_dispatch_panel_unmap;

  signals[DISPATCHED] =
    g_signal_new ("dispatched", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, BC_TYPE_ORDER);
  signals[QUEUED] =
    g_signal_new ("queued", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[UNIT_SELECTED] =
    g_signal_new ("unit-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/cn/jingmen/Beacon/bk-dispatch-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, priority_label);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, number_label);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, type_label);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, age_label);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, address_label);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, description_label);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, incident_menu_button);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, message_box);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, message_icon);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, message_label);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, spinner);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, rec_list);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, instructions_entry);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, send_button);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, send_label);
  gtk_widget_class_bind_template_child (widget_class, BkDispatchPanel, order_list);
  gtk_widget_class_bind_template_callback (widget_class, rec_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, instructions_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, order_row_selected_cb);

  gtk_widget_class_install_action (widget_class, "panel.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "panel.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "panel.dismiss-message", NULL,
                                   dismiss_message_action);
  gtk_widget_class_install_action (widget_class, "panel.incident-status", "s",
                                   incident_status_action);
  gtk_widget_class_install_action (widget_class, "panel.close-incident", NULL,
                                   close_incident_action);
  gtk_widget_class_install_action (widget_class, "panel.cancel-incident", NULL,
                                   cancel_incident_action);
  gtk_widget_class_install_action (widget_class, "panel.unit-status", "(xs)", unit_status_action);
  gtk_widget_class_install_action (widget_class, "panel.ack-by-radio", "(xx)",
                                   ack_by_radio_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bk-dispatch-panel");
}

static void
bk_dispatch_panel_init (BkDispatchPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->recs = g_array_new (FALSE, TRUE, sizeof (RecRow));
  self->checked = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->lines = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) order_line_free);
  update_actions (self);
}

BkDispatchPanel *
bk_dispatch_panel_new (void)
{
  return g_object_new (BK_TYPE_DISPATCH_PANEL, NULL);
}
