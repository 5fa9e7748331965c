/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-incident-queue.h"

#include <glib/gi18n.h>

#include "bk-format.h"

/* How many closed incidents the "All" filter keeps. */
#define CLOSED_KEEP 200
#define BELL_INTERVAL_US (2 * G_USEC_PER_SEC)

typedef enum
{
  COLUMN_PRIORITY,
  COLUMN_NUMBER,
  COLUMN_TYPE,
  COLUMN_ADDRESS,
  COLUMN_STATUS,
  COLUMN_AGE,
  COLUMN_UNITS,
  N_COLUMNS
} Column;

static const char * const column_ids[N_COLUMNS] = {
  "priority", "number", "type", "address", "status", "age", "units",
};

struct _BkIncidentQueue
{
  GtkWidget parent_instance;

  BkLiveState *live_state;
  BcClient *client;
  GSettings *settings;
  GCancellable *cancellable;

  BkQueueFilter filter;
  GHashTable *mine;           /* gint64 ids */
  GHashTable *known;          /* gint64 ids seen so far */
  GHashTable *fresh;          /* gint64 ids highlighted until selected */
  GListStore *open;           /* stands in for the live state's list until there is one */
  GListStore *closed;         /* BcIncident, newest first */
  GListStore *sources;        /* the two lists above, flattened */
  GtkCustomFilter *filter_object;
  GtkFilterListModel *filtered;
  GtkSortListModel *sorted;
  GtkSingleSelection *selection;
  GHashTable *cells;          /* bound cell widgets (those on screen) */
  gint64 selected_id;
  int limits_s[4];            /* the overdue-pN-seconds settings, read when they change */
  gint64 last_bell;           /* monotonic */
  guint n_alerts;
  guint tick_id;
  gboolean closed_loaded;

  GtkLabel *summary_label;
  GtkScrolledWindow *scroller;
  GtkColumnView *column_view;
  GtkLabel *empty_label;
  GtkColumnViewColumn *priority_column;
  GtkColumnViewColumn *number_column;
  GtkColumnViewColumn *type_column;
  GtkColumnViewColumn *address_column;
  GtkColumnViewColumn *status_column;
  GtkColumnViewColumn *age_column;
  GtkColumnViewColumn *units_column;
};

G_DEFINE_FINAL_TYPE (BkIncidentQueue, bk_incident_queue, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (BkQueueFilter, bk_queue_filter,
  G_DEFINE_ENUM_VALUE (BK_QUEUE_FILTER_OPEN, "open"),
  G_DEFINE_ENUM_VALUE (BK_QUEUE_FILTER_MINE, "mine"),
  G_DEFINE_ENUM_VALUE (BK_QUEUE_FILTER_ALL, "all"))

enum {
  PROP_0,
  PROP_FILTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  INCIDENT_SELECTED,
  INCIDENT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GQuark cell_incident_quark;   /* the incident bound now */
static GQuark cell_column_quark;
static GQuark cell_shown_quark;      /* the id and version of the incident the cell */
static GQuark cell_version_quark;    /* last showed: same id and version, same content */

static gboolean
set_contains (GHashTable *set,
              gint64      id)
{
  return g_hash_table_contains (set, &id);
}

static void
set_add (GHashTable *set,
         gint64      id)
{
  g_hash_table_add (set, g_memdup2 (&id, sizeof id));
}

/* ---- state of an incident ---------------------------------------------------------------- */

static const char * const limit_keys[] = {
  "overdue-p1-seconds", "overdue-p2-seconds", "overdue-p3-seconds", "overdue-p4-seconds",
};

/* Asked for every row on screen every second and for every open incident on every change:
 * the settings are read when they change, not on each question. */
static void
read_limits (BkIncidentQueue *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (limit_keys); i++)
    self->limits_s[i] = self->settings != NULL ? g_settings_get_int (self->settings, limit_keys[i])
                                               : 0;
}

gboolean
bk_incident_queue_is_overdue (BkIncidentQueue *self,
                              BcIncident      *incident)
{
  int priority;

  g_return_val_if_fail (BK_IS_INCIDENT_QUEUE (self), FALSE);
  g_return_val_if_fail (BC_IS_INCIDENT (incident), FALSE);

  if (bc_incident_get_status (incident) != BC_INCIDENT_STATUS_NEW || self->settings == NULL)
    return FALSE;

  priority = CLAMP (bc_incident_get_priority (incident), 1, 4);
  return g_get_real_time () - bc_incident_get_created_at (incident)
         > (gint64) self->limits_s[priority - 1] * G_USEC_PER_SEC;
}

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

static char *
units_text (BkIncidentQueue *self,
            BcIncident      *incident)
{
  guint n_units = 0;
  const gint64 *units = bc_incident_get_units (incident, &n_units);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_units; i++)
    {
      BcUnit *unit = self->live_state != NULL
                     ? bk_live_state_lookup_unit (self->live_state, units[i]) : NULL;

      if (i > 0)
        /* Translators: separates call signs in a list */
        g_string_append (text, _(", "));
      if (unit != NULL)
        g_string_append (text, bc_unit_get_call_sign (unit));
      else
        g_string_append_printf (text, "#%" G_GINT64_FORMAT, units[i]);
    }

  return g_string_free (text, FALSE);
}

static char *
age_text (BcIncident *incident)
{
  gint64 end = g_get_real_time ();

  /* A closed incident's clock stopped when it was closed. */
  if (bc_incident_get_closed_at (incident) > 0)
    end = bc_incident_get_closed_at (incident);
  else if (bc_incident_get_cancelled_at (incident) > 0)
    end = bc_incident_get_cancelled_at (incident);

  return bk_format_timer (end - bc_incident_get_created_at (incident));
}

/* ---- cells ------------------------------------------------------------------------------- */

static GtkLabel *
cell_label (GtkWidget *cell)
{
  return GTK_LABEL (gtk_widget_get_first_child (cell));
}

static void
set_class (GtkWidget  *widget,
           const char *css_class,
           gboolean    on)
{
  if (on)
    gtk_widget_add_css_class (widget, css_class);
  else
    gtk_widget_remove_css_class (widget, css_class);
}

/* Row states (overdue, fresh, closed, awaiting) go on every cell of the row, so that the
 * whole row is coloured: GTK 4.8's column view has no row factory to style the row itself. */
static void
update_row_classes (BkIncidentQueue *self,
                    GtkWidget       *cell,
                    BcIncident      *incident)
{
  gboolean open = bc_incident_is_open (incident);
  gint64 id = bc_incident_get_id (incident);

  set_class (cell, "overdue", bk_incident_queue_is_overdue (self, incident));
  set_class (cell, "fresh", open && set_contains (self->fresh, id));
  set_class (cell, "closed", !open);
  set_class (cell, "awaiting", bc_incident_get_status (incident) == BC_INCIDENT_STATUS_NEW);
}

static void
update_cell (BkIncidentQueue *self,
             GtkWidget       *cell)
{
  BcIncident *incident = g_object_get_qdata (G_OBJECT (cell), cell_incident_quark);
  Column column = GPOINTER_TO_INT (g_object_get_qdata (G_OBJECT (cell), cell_column_quark));
  GtkLabel *label = cell_label (cell);
  g_autofree char *text = NULL;

  if (incident == NULL)
    return;

  update_row_classes (self, cell, incident);

  switch (column)
    {
    case COLUMN_PRIORITY:
      {
        static const char * const classes[] = { "p1", "p2", "p3", "p4" };
        int priority = CLAMP (bc_incident_get_priority (incident), 1, 4);

        text = g_strdup_printf ("P%d", priority);
        for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
          set_class (GTK_WIDGET (label), classes[i], (int) i == priority - 1);
        gtk_label_set_label (label, text);
      }
      break;

    case COLUMN_NUMBER:
      gtk_label_set_label (label, bc_incident_get_number (incident));
      break;

    case COLUMN_TYPE:
      gtk_label_set_label (label, bc_incident_type_label (bc_incident_get_incident_type (incident)));
      break;

    case COLUMN_ADDRESS:
      {
        const char *description = bc_incident_get_description (incident);

        gtk_label_set_label (label, bc_incident_get_address (incident));
        if (description != NULL && description[0] != '\0')
          {
            text = g_strdup_printf ("%s\n%s", bc_incident_get_address (incident), description);
            gtk_widget_set_tooltip_text (cell, text);
          }
        else
          gtk_widget_set_tooltip_text (cell, bc_incident_get_address (incident));
      }
      break;

    case COLUMN_STATUS:
      {
        static const char * const classes[] = {
          "status-new", "status-dispatched", "status-en-route", "status-on-scene", "status-closed",
        };
        const char *own = status_class (bc_incident_get_status (incident));

        for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
          set_class (GTK_WIDGET (label), classes[i], g_str_equal (classes[i], own));
        gtk_label_set_label (label, bc_incident_status_label (bc_incident_get_status (incident)));
      }
      break;

    case COLUMN_AGE:
      text = age_text (incident);
      gtk_label_set_label (label, text);
      break;

    case COLUMN_UNITS:
      text = units_text (self, incident);
      gtk_label_set_label (label, text);
      gtk_widget_set_tooltip_text (cell, text[0] != '\0' ? text : NULL);
      break;

    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

static void
incident_notify_cb (GtkWidget  *cell,
                    GParamSpec *pspec,
                    BcIncident *incident)
{
  BkIncidentQueue *self = BK_INCIDENT_QUEUE (gtk_widget_get_ancestor (cell, BK_TYPE_INCIDENT_QUEUE));

  if (self != NULL)
    {
      update_cell (self, cell);
      g_object_set_qdata (G_OBJECT (cell), cell_version_quark,
                          GSIZE_TO_POINTER ((gsize) bc_incident_get_version (incident)));
    }
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  GtkWidget *cell = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_add_css_class (cell, "queue-cell");
  gtk_widget_add_css_class (cell, column_ids[column]);
  g_object_set_qdata (G_OBJECT (cell), cell_column_quark, GINT_TO_POINTER (column));

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);

  switch (column)
    {
    case COLUMN_PRIORITY:
      gtk_widget_add_css_class (label, "queue-priority");
      gtk_widget_set_halign (label, GTK_ALIGN_START);
      break;
    case COLUMN_STATUS:
      gtk_widget_add_css_class (label, "queue-status");
      gtk_widget_set_halign (label, GTK_ALIGN_START);
      break;
    case COLUMN_NUMBER:
    case COLUMN_AGE:
      gtk_widget_add_css_class (label, "numeric");
      break;
    case COLUMN_ADDRESS:
    case COLUMN_UNITS:
    case COLUMN_TYPE:
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (label, TRUE);
      break;
    case N_COLUMNS:
    default:
      break;
    }

  gtk_box_append (GTK_BOX (cell), label);
  gtk_list_item_set_child (item, cell);
}

static gboolean tick_cb (gpointer user_data);

static void
ensure_tick (BkIncidentQueue *self)
{
  if (self->tick_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self))
      && g_hash_table_size (self->cells) > 0)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         BkIncidentQueue          *self)
{
  GtkWidget *cell = gtk_list_item_get_child (item);
  BcIncident *incident = gtk_list_item_get_item (item);

  gboolean same = GPOINTER_TO_SIZE (g_object_get_qdata (G_OBJECT (cell), cell_shown_quark))
                     == (gsize) bc_incident_get_id (incident)
                  && GPOINTER_TO_SIZE (g_object_get_qdata (G_OBJECT (cell), cell_version_quark))
                     == (gsize) bc_incident_get_version (incident);

  g_object_set_qdata (G_OBJECT (cell), cell_incident_quark, incident);
  g_signal_connect_object (incident, "notify::version", G_CALLBACK (incident_notify_cb), cell,
                           G_CONNECT_SWAPPED);
  g_hash_table_add (self->cells, cell);

  /* GTK 4.8's list binds every row on screen again when a row is inserted above them;
   * a cell that already shows this version of the incident only needs its time-dependent
   * state. */
  if (same)
    {
      update_row_classes (self, cell, incident);
      if (GPOINTER_TO_INT (g_object_get_qdata (G_OBJECT (cell), cell_column_quark)) == COLUMN_AGE)
        {
          g_autofree char *text = age_text (incident);
          gtk_label_set_label (cell_label (cell), text);
        }
    }
  else
    {
      update_cell (self, cell);
      g_object_set_qdata (G_OBJECT (cell), cell_shown_quark,
                          GSIZE_TO_POINTER ((gsize) bc_incident_get_id (incident)));
      g_object_set_qdata (G_OBJECT (cell), cell_version_quark,
                          GSIZE_TO_POINTER ((gsize) bc_incident_get_version (incident)));
    }
  ensure_tick (self);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           BkIncidentQueue          *self)
{
  GtkWidget *cell = gtk_list_item_get_child (item);
  BcIncident *incident = g_object_get_qdata (G_OBJECT (cell), cell_incident_quark);

  if (incident != NULL)
    g_signal_handlers_disconnect_by_func (incident, incident_notify_cb, cell);
  g_object_set_qdata (G_OBJECT (cell), cell_incident_quark, NULL);
  g_hash_table_remove (self->cells, cell);
}

static void
set_factory (BkIncidentQueue     *self,
             GtkColumnViewColumn *column,
             Column               which)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), GINT_TO_POINTER (which));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_column_view_column_set_factory (column, factory);
}

/* ---- the 1 s tick ------------------------------------------------------------------------- */

static void update_summary (BkIncidentQueue *self);

/* Only the cells on screen are bound, so this touches what the dispatcher sees and nothing
 * else: the age cells' text, and every cell's row state (deadlines pass without an event). */
static gboolean
tick_cb (gpointer user_data)
{
  BkIncidentQueue *self = user_data;
  GHashTableIter iter;
  gpointer key;

  if (g_hash_table_size (self->cells) == 0 || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }

  g_hash_table_iter_init (&iter, self->cells);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      GtkWidget *cell = key;
      BcIncident *incident = g_object_get_qdata (G_OBJECT (cell), cell_incident_quark);
      Column column = GPOINTER_TO_INT (g_object_get_qdata (G_OBJECT (cell), cell_column_quark));

      if (incident == NULL)
        continue;
      if (column == COLUMN_AGE)
        {
          g_autofree char *text = age_text (incident);
          gtk_label_set_label (cell_label (cell), text);
        }
      update_row_classes (self, cell, incident);
    }

  update_summary (self);
  return G_SOURCE_CONTINUE;
}

/* ---- sorting and filtering ---------------------------------------------------------------- */

static int
status_group (BcIncident *incident)
{
  switch (bc_incident_get_status (incident))
    {
    case BC_INCIDENT_STATUS_NEW:
      return 0;
    case BC_INCIDENT_STATUS_DISPATCHED:
    case BC_INCIDENT_STATUS_EN_ROUTE:
    case BC_INCIDENT_STATUS_ON_SCENE:
      return 1;
    case BC_INCIDENT_STATUS_CLOSED:
    case BC_INCIDENT_STATUS_CANCELLED:
    default:
      return 2;
    }
}

static int
compare_int64 (gint64 a,
               gint64 b)
{
  return (a > b) - (a < b);
}

/* Awaiting dispatch first, then under way, then closed; by priority; the oldest first (the
 * most recently closed first among the closed). */
static int
default_compare (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  BcIncident *ia = (BcIncident *) a;
  BcIncident *ib = (BcIncident *) b;
  int ga = status_group (ia), gb = status_group (ib);
  int c;

  if (ga != gb)
    return ga < gb ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
  if (ga == 2)
    {
      c = compare_int64 (MAX (bc_incident_get_closed_at (ib), bc_incident_get_cancelled_at (ib)),
                         MAX (bc_incident_get_closed_at (ia), bc_incident_get_cancelled_at (ia)));
      if (c != 0)
        return gtk_ordering_from_cmpfunc (c);
    }
  c = bc_incident_get_priority (ia) - bc_incident_get_priority (ib);
  if (c != 0)
    return gtk_ordering_from_cmpfunc (c);
  c = compare_int64 (bc_incident_get_created_at (ia), bc_incident_get_created_at (ib));
  if (c != 0)
    return gtk_ordering_from_cmpfunc (c);
  return gtk_ordering_from_cmpfunc (compare_int64 (bc_incident_get_id (ia), bc_incident_get_id (ib)));
}

static int
column_compare (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  BcIncident *ia = (BcIncident *) a;
  BcIncident *ib = (BcIncident *) b;
  Column column = GPOINTER_TO_INT (user_data);
  int c = 0;

  switch (column)
    {
    case COLUMN_PRIORITY:
      c = bc_incident_get_priority (ia) - bc_incident_get_priority (ib);
      break;
    case COLUMN_NUMBER:
      c = g_strcmp0 (bc_incident_get_number (ia), bc_incident_get_number (ib));
      break;
    case COLUMN_TYPE:
      c = g_utf8_collate (bc_incident_type_label (bc_incident_get_incident_type (ia)),
                          bc_incident_type_label (bc_incident_get_incident_type (ib)));
      break;
    case COLUMN_ADDRESS:
      c = g_utf8_collate (bc_incident_get_address (ia), bc_incident_get_address (ib));
      break;
    case COLUMN_STATUS:
      c = (int) bc_incident_get_status (ia) - (int) bc_incident_get_status (ib);
      break;
    case COLUMN_AGE:
      /* Youngest first: ages grow the other way round from creation times. */
      c = compare_int64 (bc_incident_get_created_at (ib), bc_incident_get_created_at (ia));
      break;
    case COLUMN_UNITS:
      {
        guint na = 0, nb = 0;
        bc_incident_get_units (ia, &na);
        bc_incident_get_units (ib, &nb);
        c = (int) na - (int) nb;
      }
      break;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }

  return gtk_ordering_from_cmpfunc (c);
}

static void
set_sorter (GtkColumnViewColumn *column,
            Column               which)
{
  g_autoptr(GtkCustomSorter) sorter = gtk_custom_sorter_new (column_compare,
                                                             GINT_TO_POINTER (which), NULL);

  gtk_column_view_column_set_sorter (column, GTK_SORTER (sorter));
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  BkIncidentQueue *self = user_data;
  BcIncident *incident = item;
  gint64 id = bc_incident_get_id (incident);

  if (!bc_incident_is_open (incident))
    {
      /* A closed copy waits for the live list to let go of the open one. */
      return self->filter == BK_QUEUE_FILTER_ALL
             && (self->live_state == NULL
                 || bk_live_state_lookup_incident (self->live_state, id) == NULL);
    }

  switch (self->filter)
    {
    case BK_QUEUE_FILTER_MINE:
      return set_contains (self->mine, id);
    case BK_QUEUE_FILTER_OPEN:
    case BK_QUEUE_FILTER_ALL:
    default:
      return TRUE;
    }
}

/* ---- summary ------------------------------------------------------------------------------ */

static void
update_summary (BkIncidentQueue *self)
{
  GListModel *incidents;
  guint n_open, n_new = 0, n_overdue = 0;
  g_autofree char *text = NULL;
  g_autofree char *open_text = NULL;
  g_autofree char *new_text = NULL;
  gboolean empty;

  if (self->summary_label == NULL)
    return;   /* disposed */

  incidents = self->live_state != NULL ? bk_live_state_get_incidents (self->live_state)
                                       : G_LIST_MODEL (self->open);
  n_open = g_list_model_get_n_items (incidents);
  for (guint i = 0; i < n_open; i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (incidents, i);

      if (bc_incident_get_status (incident) == BC_INCIDENT_STATUS_NEW)
        n_new++;
      if (bk_incident_queue_is_overdue (self, incident))
        n_overdue++;
    }

  open_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u open", "%u open", n_open), n_open);
  new_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u awaiting dispatch",
                                           "%u awaiting dispatch", n_new), n_new);
  if (n_overdue > 0)
    {
      g_autofree char *overdue_text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u overdue", "%u overdue", n_overdue),
                         n_overdue);
      text = g_strjoin (" · ", open_text, new_text, overdue_text, NULL);
    }
  else
    text = g_strjoin (" · ", open_text, new_text, NULL);

  gtk_label_set_label (self->summary_label, text);
  set_class (GTK_WIDGET (self->summary_label), "alert", n_overdue > 0);

  empty = g_list_model_get_n_items (G_LIST_MODEL (self->sorted)) == 0;
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), empty);
  gtk_widget_set_visible (GTK_WIDGET (self->scroller), !empty);
}

/* ---- live state --------------------------------------------------------------------------- */

static guint
find_closed (BkIncidentQueue *self,
             gint64           id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->closed));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (G_LIST_MODEL (self->closed), i);

      if (bc_incident_get_id (incident) == id)
        return i;
    }

  return G_MAXUINT;
}

static void
add_closed (BkIncidentQueue *self,
            BcIncident      *incident)
{
  guint position = find_closed (self, bc_incident_get_id (incident));
  g_autoptr(BcIncident) copy = bc_incident_copy (incident);
  guint n;

  if (position != G_MAXUINT)
    {
      g_list_store_splice (self->closed, position, 1, (gpointer *) &copy, 1);
      return;
    }

  g_list_store_insert (self->closed, 0, copy);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->closed));
  if (n > CLOSED_KEEP)
    g_list_store_remove (self->closed, n - 1);
}

/* The row state of the cells on screen that show @incident, at once. */
static void
refresh_row_state (BkIncidentQueue *self,
                   BcIncident      *incident)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->cells);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (g_object_get_qdata (key, cell_incident_quark) == incident)
      update_row_classes (self, key, incident);
}

static void
alert (BkIncidentQueue *self,
       BcIncident      *incident)
{
  gint64 now = g_get_monotonic_time ();

  set_add (self->fresh, bc_incident_get_id (incident));
  /* Its row may be on screen already: the list binds rows while the live list changes. */
  refresh_row_state (self, incident);
  self->n_alerts++;

  /* A sound needs a media backend the console cannot count on; the bell always works. A
   * burst of calls about one event rings once: the rows say how many came. */
  if (self->last_bell == 0 || now - self->last_bell > BELL_INTERVAL_US)
    {
      self->last_bell = now;
      gtk_widget_error_bell (GTK_WIDGET (self));
    }
}

static void
incident_changed_cb (BkIncidentQueue *self,
                     BcIncident      *incident)
{
  gint64 id = bc_incident_get_id (incident);

  if (!set_contains (self->known, id))
    {
      set_add (self->known, id);
      /* Incidents of the first snapshot are not news; those after it are. */
      if (bk_live_state_get_loaded (self->live_state)
          && bc_incident_get_status (incident) == BC_INCIDENT_STATUS_NEW
          && bc_incident_get_priority (incident) <= 2)
        alert (self, incident);
    }

  if (bc_incident_get_status (incident) != BC_INCIDENT_STATUS_NEW)
    g_hash_table_remove (self->fresh, &id);

  update_summary (self);
}

static void
incident_removed_cb (BkIncidentQueue *self,
                     gint64           id)
{
  guint position = find_closed (self, id);

  g_hash_table_remove (self->fresh, &id);

  /* Its closed copy may have been filtered out while the live list still had it. */
  if (position != G_MAXUINT)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (G_LIST_MODEL (self->closed), position);
      g_list_store_splice (self->closed, position, 1, (gpointer *) &incident, 1);
    }

  update_summary (self);
}

static void
unit_changed_cb (BkIncidentQueue *self,
                 BcUnit          *unit,
                 gboolean         position_only)
{
  GHashTableIter iter;
  gpointer key;

  if (position_only)
    return;

  /* A new call sign shows in the units cells of the rows on screen that list the unit. */
  g_hash_table_iter_init (&iter, self->cells);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      BcIncident *incident = g_object_get_qdata (G_OBJECT (key), cell_incident_quark);

      if (incident != NULL
          && GPOINTER_TO_INT (g_object_get_qdata (G_OBJECT (key), cell_column_quark)) == COLUMN_UNITS
          && bc_incident_has_unit (incident, bc_unit_get_id (unit)))
        update_cell (self, key);
    }
}

static void
client_event_cb (BkIncidentQueue *self,
                 BcEvent         *event)
{
  if ((g_str_equal (event->type, BC_EVENT_INCIDENT_UPDATED)
       || g_str_equal (event->type, BC_EVENT_INCIDENT_CREATED))
      && event->data != NULL)
    {
      g_autoptr(BcIncident) incident = bc_incident_from_json (event->data, NULL);

      if (incident != NULL && !bc_incident_is_open (incident))
        add_closed (self, incident);
    }
  else if (g_str_equal (event->type, BC_EVENT_ORDER_CREATED) && event->data != NULL)
    {
      g_autoptr(BcOrder) order = bc_order_from_json (event->data, NULL);

      /* An order this seat's user issued makes the incident theirs. */
      if (order != NULL && self->client != NULL
          && g_strcmp0 (order->issued_by, bc_client_get_username (self->client)) == 0)
        bk_incident_queue_mark_mine (self, order->incident);
    }
}

static void
closed_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  BkIncidentQueue *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) incidents = NULL;

  incidents = bc_client_list_incidents_finish (BC_CLIENT (object), result, &error);
  if (incidents == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_debug ("Cannot load closed incidents: %s", error->message);
          self->closed_loaded = FALSE;
        }
      return;
    }

  /* Newest first from the server; keep what events already brought. */
  for (guint i = incidents->len; i > 0; i--)
    {
      BcIncident *incident = g_ptr_array_index (incidents, i - 1);

      if (!bc_incident_is_open (incident) && find_closed (self, bc_incident_get_id (incident)) == G_MAXUINT)
        {
          g_autoptr(BcIncident) copy = bc_incident_copy (incident);
          g_list_store_insert (self->closed, 0, copy);
        }
    }
  update_summary (self);
}

static void
load_closed (BkIncidentQueue *self)
{
  if (self->closed_loaded || self->client == NULL)
    return;

  self->closed_loaded = TRUE;
  bc_client_list_incidents_async (self->client, "closed", 100, 0, self->cancellable,
                                  closed_loaded_cb, self);
}

void
bk_incident_queue_set_live_state (BkIncidentQueue *self,
                                  BkLiveState     *live_state)
{
  g_return_if_fail (BK_IS_INCIDENT_QUEUE (self));
  g_return_if_fail (live_state == NULL || BK_IS_LIVE_STATE (live_state));

  if (self->live_state == live_state)
    return;

  if (self->live_state != NULL)
    g_signal_handlers_disconnect_by_data (self->live_state, self);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_set_object (&self->live_state, live_state);

  g_list_store_remove_all (self->closed);
  g_hash_table_remove_all (self->known);
  g_hash_table_remove_all (self->fresh);
  self->closed_loaded = FALSE;
  self->selected_id = 0;

  g_list_store_remove_all (self->sources);
  if (live_state != NULL)
    {
      GListModel *incidents = bk_live_state_get_incidents (live_state);

      self->cancellable = g_cancellable_new ();
      self->client = g_object_ref (bk_live_state_get_client (live_state));
      for (guint i = 0; i < g_list_model_get_n_items (incidents); i++)
        {
          g_autoptr(BcIncident) incident = g_list_model_get_item (incidents, i);
          set_add (self->known, bc_incident_get_id (incident));
        }

      g_signal_connect_object (live_state, "incident-changed",
                               G_CALLBACK (incident_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (live_state, "incident-removed",
                               G_CALLBACK (incident_removed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (live_state, "unit-changed",
                               G_CALLBACK (unit_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "event",
                               G_CALLBACK (client_event_cb), self, G_CONNECT_SWAPPED);
      g_list_store_append (self->sources, incidents);
    }
  else
    g_list_store_append (self->sources, self->open);
  g_list_store_append (self->sources, self->closed);

  if (self->filter == BK_QUEUE_FILTER_ALL)
    load_closed (self);
  update_summary (self);
}

static void
settings_changed_cb (BkIncidentQueue *self,
                     const char      *key)
{
  if (g_str_has_prefix (key, "overdue-"))
    {
      read_limits (self);
      update_summary (self);
    }
}

void
bk_incident_queue_set_settings (BkIncidentQueue *self,
                                GSettings       *settings)
{
  g_return_if_fail (BK_IS_INCIDENT_QUEUE (self));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  if (self->settings == settings)
    return;

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  if (settings != NULL)
    g_signal_connect_object (settings, "changed", G_CALLBACK (settings_changed_cb), self,
                             G_CONNECT_SWAPPED);
  read_limits (self);
}

/* ---- selection ---------------------------------------------------------------------------- */

static void
selection_changed_cb (BkIncidentQueue *self)
{
  BcIncident *incident = gtk_single_selection_get_selected_item (self->selection);
  gint64 id = incident != NULL ? bc_incident_get_id (incident) : 0;

  if (id == self->selected_id)
    return;

  self->selected_id = id;
  /* Seen: the row loses its highlight at once, not at the next tick. */
  if (id != 0 && g_hash_table_remove (self->fresh, &id))
    refresh_row_state (self, incident);

  g_signal_emit (self, signals[INCIDENT_SELECTED], 0, id);
}

static void
column_view_activate_cb (BkIncidentQueue *self,
                         guint            position)
{
  g_autoptr(BcIncident) incident = g_list_model_get_item (G_LIST_MODEL (self->sorted), position);

  if (incident != NULL)
    g_signal_emit (self, signals[INCIDENT_ACTIVATED], 0, bc_incident_get_id (incident));
}

static gboolean
find_position (BkIncidentQueue *self,
               gint64           id,
               guint           *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sorted));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (G_LIST_MODEL (self->sorted), i);

      if (bc_incident_get_id (incident) == id)
        {
          *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

/* GTK 4.8's column view has no scroll_to (4.12); its inner list view has the action. */
static void
scroll_to (BkIncidentQueue *self,
           guint            position)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LIST_VIEW (child))
        {
          gtk_widget_activate_action (child, "list.scroll-to-item", "u", position);
          return;
        }
    }
}

gint64
bk_incident_queue_get_selected (BkIncidentQueue *self)
{
  g_return_val_if_fail (BK_IS_INCIDENT_QUEUE (self), 0);

  return self->selected_id;
}

gboolean
bk_incident_queue_select (BkIncidentQueue *self,
                          gint64           id)
{
  guint position;

  g_return_val_if_fail (BK_IS_INCIDENT_QUEUE (self), FALSE);

  if (id == 0)
    {
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      return TRUE;
    }

  if (!find_position (self, id, &position))
    return FALSE;

  gtk_single_selection_set_selected (self->selection, position);
  scroll_to (self, position);
  return TRUE;
}

void
bk_incident_queue_move_selection (BkIncidentQueue *self,
                                  int              delta)
{
  guint n, position;

  g_return_if_fail (BK_IS_INCIDENT_QUEUE (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->sorted));
  if (n == 0)
    return;

  position = gtk_single_selection_get_selected (self->selection);
  if (position == GTK_INVALID_LIST_POSITION)
    position = delta > 0 ? 0 : n - 1;
  else
    position = (guint) CLAMP ((int) position + delta, 0, (int) n - 1);

  gtk_single_selection_set_selected (self->selection, position);
  scroll_to (self, position);
}

void
bk_incident_queue_focus (BkIncidentQueue *self)
{
  g_return_if_fail (BK_IS_INCIDENT_QUEUE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

/* ---- public ------------------------------------------------------------------------------- */

BkQueueFilter
bk_incident_queue_get_filter (BkIncidentQueue *self)
{
  g_return_val_if_fail (BK_IS_INCIDENT_QUEUE (self), BK_QUEUE_FILTER_OPEN);

  return self->filter;
}

void
bk_incident_queue_set_filter (BkIncidentQueue *self,
                              BkQueueFilter    filter)
{
  g_return_if_fail (BK_IS_INCIDENT_QUEUE (self));

  if (self->filter == filter)
    return;

  self->filter = filter;
  if (filter == BK_QUEUE_FILTER_ALL)
    load_closed (self);
  gtk_filter_changed (GTK_FILTER (self->filter_object), GTK_FILTER_CHANGE_DIFFERENT);
  update_summary (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

void
bk_incident_queue_mark_mine (BkIncidentQueue *self,
                             gint64           id)
{
  g_return_if_fail (BK_IS_INCIDENT_QUEUE (self));

  if (id <= 0 || set_contains (self->mine, id))
    return;

  set_add (self->mine, id);
  if (self->filter == BK_QUEUE_FILTER_MINE)
    gtk_filter_changed (GTK_FILTER (self->filter_object), GTK_FILTER_CHANGE_LESS_STRICT);
}

gboolean
bk_incident_queue_is_mine (BkIncidentQueue *self,
                           gint64           id)
{
  g_return_val_if_fail (BK_IS_INCIDENT_QUEUE (self), FALSE);

  return set_contains (self->mine, id);
}

GListModel *
bk_incident_queue_get_model (BkIncidentQueue *self)
{
  g_return_val_if_fail (BK_IS_INCIDENT_QUEUE (self), NULL);

  return G_LIST_MODEL (self->sorted);
}

BcIncident *
bk_incident_queue_lookup (BkIncidentQueue *self,
                          gint64           id)
{
  BcIncident *incident = NULL;
  guint position;

  g_return_val_if_fail (BK_IS_INCIDENT_QUEUE (self), NULL);

  if (self->live_state != NULL)
    incident = bk_live_state_lookup_incident (self->live_state, id);
  if (incident == NULL && (position = find_closed (self, id)) != G_MAXUINT)
    {
      g_autoptr(BcIncident) closed = g_list_model_get_item (G_LIST_MODEL (self->closed), position);
      incident = closed;   /* the store keeps it alive */
    }

  return incident;
}

guint
bk_incident_queue_get_n_alerts (BkIncidentQueue *self)
{
  g_return_val_if_fail (BK_IS_INCIDENT_QUEUE (self), 0);

  return self->n_alerts;
}

GtkWidget *
bk_incident_queue_get_cell (BkIncidentQueue *self,
                            gint64           id,
                            const char      *column)
{
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (BK_IS_INCIDENT_QUEUE (self), NULL);
  g_return_val_if_fail (column != NULL, NULL);

  g_hash_table_iter_init (&iter, self->cells);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      BcIncident *incident = g_object_get_qdata (key, cell_incident_quark);
      Column which = GPOINTER_TO_INT (g_object_get_qdata (key, cell_column_quark));

      if (incident != NULL && bc_incident_get_id (incident) == id
          && g_str_equal (column_ids[which], column))
        return key;
    }

  return NULL;
}

/* ---- class -------------------------------------------------------------------------------- */

static void
bk_incident_queue_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (bk_incident_queue_parent_class)->map (widget);
  ensure_tick (BK_INCIDENT_QUEUE (widget));
}

static void
bk_incident_queue_unmap (GtkWidget *widget)
{
  BkIncidentQueue *self = BK_INCIDENT_QUEUE (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  GTK_WIDGET_CLASS (bk_incident_queue_parent_class)->unmap (widget);
}

static void
bk_incident_queue_dispose (GObject *object)
{
  BkIncidentQueue *self = BK_INCIDENT_QUEUE (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->live_state != NULL)
    g_signal_handlers_disconnect_by_data (self->live_state, self);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_INCIDENT_QUEUE);
  /* The template's top box has no id of its own, so it is not cleared with the bound ones. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }

  g_clear_object (&self->selection);
  g_clear_object (&self->live_state);
  g_clear_object (&self->client);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (bk_incident_queue_parent_class)->dispose (object);
}

static void
bk_incident_queue_finalize (GObject *object)
{
  BkIncidentQueue *self = BK_INCIDENT_QUEUE (object);

  g_clear_object (&self->open);
  g_clear_object (&self->closed);
  g_clear_object (&self->sources);
  g_clear_pointer (&self->mine, g_hash_table_unref);
  g_clear_pointer (&self->known, g_hash_table_unref);
  g_clear_pointer (&self->fresh, g_hash_table_unref);
  g_clear_pointer (&self->cells, g_hash_table_unref);

  G_OBJECT_CLASS (bk_incident_queue_parent_class)->finalize (object);
}

static void
bk_incident_queue_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  BkIncidentQueue *self = BK_INCIDENT_QUEUE (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      g_value_set_enum (value, self->filter);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_incident_queue_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  BkIncidentQueue *self = BK_INCIDENT_QUEUE (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      bk_incident_queue_set_filter (self, g_value_get_enum (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_incident_queue_class_init (BkIncidentQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bk_incident_queue_dispose;
  object_class->finalize = bk_incident_queue_finalize;
  object_class->get_property = bk_incident_queue_get_property;
  object_class->set_property = bk_incident_queue_set_property;
  widget_class->map = bk_incident_queue_map;
  widget_class->unmap = bk_incident_queue_unmap;

  properties[PROP_FILTER] =
    g_param_spec_enum ("filter", NULL, NULL, BK_TYPE_QUEUE_FILTER, BK_QUEUE_FILTER_OPEN,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[INCIDENT_SELECTED] =
    g_signal_new ("incident-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[INCIDENT_ACTIVATED] =
    g_signal_new ("incident-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  cell_incident_quark = g_quark_from_static_string ("bk-queue-cell-incident");
  cell_column_quark = g_quark_from_static_string ("bk-queue-cell-column");
  cell_shown_quark = g_quark_from_static_string ("bk-queue-cell-shown");
  cell_version_quark = g_quark_from_static_string ("bk-queue-cell-version");

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/cn/jingmen/Beacon/bk-incident-queue.ui");
  gtk_widget_class_bind_template_child (widget_class, BkIncidentQueue, summary_label);
  gtk_widget_class_bind_template_child (widget_class, BkIncidentQueue, scroller);
  gtk_widget_class_bind_template_child (widget_class, BkIncidentQueue, column_view);
  gtk_widget_class_bind_template_child (widget_class, BkIncidentQueue, empty_label);
  gtk_widget_class_bind_template_child (widget_class, BkIncidentQueue, priority_column);
  gtk_widget_class_bind_template_child (widget_class, BkIncidentQueue, number_column);
  gtk_widget_class_bind_template_child (widget_class, BkIncidentQueue, type_column);
  gtk_widget_class_bind_template_child (widget_class, BkIncidentQueue, address_column);
  gtk_widget_class_bind_template_child (widget_class, BkIncidentQueue, status_column);
  gtk_widget_class_bind_template_child (widget_class, BkIncidentQueue, age_column);
  gtk_widget_class_bind_template_child (widget_class, BkIncidentQueue, units_column);
  gtk_widget_class_bind_template_callback (widget_class, column_view_activate_cb);

  gtk_widget_class_install_property_action (widget_class, "queue.filter", "filter");

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bk-incident-queue");
}

static void
bk_incident_queue_init (BkIncidentQueue *self)
{
  GtkColumnViewColumn *columns[N_COLUMNS];
  g_autoptr(GtkMultiSorter) sorter = gtk_multi_sorter_new ();
  GtkFlattenListModel *flat;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->mine = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->known = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->fresh = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->cells = g_hash_table_new (NULL, NULL);
  self->open = g_list_store_new (BC_TYPE_INCIDENT);
  self->closed = g_list_store_new (BC_TYPE_INCIDENT);
  self->sources = g_list_store_new (G_TYPE_LIST_MODEL);
  g_list_store_append (self->sources, self->open);
  g_list_store_append (self->sources, self->closed);

  columns[COLUMN_PRIORITY] = self->priority_column;
  columns[COLUMN_NUMBER] = self->number_column;
  columns[COLUMN_TYPE] = self->type_column;
  columns[COLUMN_ADDRESS] = self->address_column;
  columns[COLUMN_STATUS] = self->status_column;
  columns[COLUMN_AGE] = self->age_column;
  columns[COLUMN_UNITS] = self->units_column;
  for (Column c = 0; c < N_COLUMNS; c++)
    {
      set_factory (self, columns[c], c);
      set_sorter (columns[c], c);
    }

  /* A clicked heading sorts first; the dispatch order decides among equals, and always
   * when no heading is clicked. */
  gtk_multi_sorter_append (sorter, g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  gtk_multi_sorter_append (sorter, GTK_SORTER (gtk_custom_sorter_new (default_compare, NULL, NULL)));

  flat = gtk_flatten_list_model_new (g_object_ref (G_LIST_MODEL (self->sources)));
  self->filter_object = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (flat),
                                              g_object_ref (GTK_FILTER (self->filter_object)));
  self->sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filtered)),
                                          g_object_ref (GTK_SORTER (sorter)));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sorted)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_object (self->selection, "selection-changed",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sorted, "items-changed",
                           G_CALLBACK (update_summary), self, G_CONNECT_SWAPPED);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  /* The models hold each other; these are the queue's own references, dropped in finalize
   * through the selection (which owns the chain). */
  g_object_unref (self->filter_object);
  g_object_unref (self->filtered);
  g_object_unref (self->sorted);

  update_summary (self);
}

BkIncidentQueue *
bk_incident_queue_new (void)
{
  return g_object_new (BK_TYPE_INCIDENT_QUEUE, NULL);
}
