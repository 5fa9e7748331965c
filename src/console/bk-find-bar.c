/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "bk-find-bar.h"

#define MAX_PER_KIND 8

struct _BkFindBar
{
  GtkWidget parent_instance;

  BkLiveState *live_state;
  guint n_matches;
  char *searched;   /* the text the list shows matches for */

  GtkSearchEntry *entry;
  GtkPopover *popover;
  GtkListBox *list;
};

G_DEFINE_FINAL_TYPE (BkFindBar, bk_find_bar, GTK_TYPE_WIDGET)

enum {
  ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  BkObjectKind kind;
  char *id;
  char *title;
  char *subtitle;
  int score;      /* lower is better: 0 exact, 1 prefix, 2 substring */
} Match;

static void
match_free (Match *match)
{
  g_free (match->id);
  g_free (match->title);
  g_free (match->subtitle);
  g_free (match);
}

/* 0 for an exact match, 1 for a prefix, 2 for a substring, -1 for none; case-insensitive. */
static int
score_text (const char *needle,
            const char *haystack)
{
  g_autofree char *folded = NULL;
  const char *found;

  if (haystack == NULL || haystack[0] == '\0')
    return -1;

  folded = g_utf8_casefold (haystack, -1);
  found = strstr (folded, needle);
  if (found == NULL)
    return -1;
  if (found == folded)
    return g_str_equal (folded, needle) ? 0 : 1;
  return 2;
}

static int
best_score (int a,
            int b)
{
  if (a < 0)
    return b;
  if (b < 0)
    return a;
  return MIN (a, b);
}

static int
compare_matches (gconstpointer a,
                 gconstpointer b)
{
  const Match *ma = *(const Match **) a;
  const Match *mb = *(const Match **) b;

  if (ma->score != mb->score)
    return ma->score - mb->score;
  if (ma->kind != mb->kind)
    return (int) ma->kind - (int) mb->kind;
  return g_strcmp0 (ma->title, mb->title);
}

static void
add_match (GPtrArray    *matches,
           BkObjectKind  kind,
           char         *id,
           const char   *title,
           char         *subtitle,
           int           score)
{
  Match *match = g_new0 (Match, 1);

  match->kind = kind;
  match->id = id;
  match->title = g_strdup (title);
  match->subtitle = subtitle;
  match->score = score;
  g_ptr_array_add (matches, match);
}

static GPtrArray *
find_matches (BkFindBar  *self,
              const char *text)
{
  g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func ((GDestroyNotify) match_free);
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autofree char *needle = g_utf8_casefold (stripped, -1);
  GListModel *incidents, *units;
  GPtrArray *cameras;
  guint n_cameras = 0;

  if (self->live_state == NULL || needle[0] == '\0')
    return g_steal_pointer (&matches);

  incidents = bk_live_state_get_incidents (self->live_state);
  for (guint i = 0; i < g_list_model_get_n_items (incidents); i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (incidents, i);
      int score = best_score (score_text (needle, bc_incident_get_number (incident)),
                              score_text (needle, bc_incident_get_address (incident)));

      if (score >= 0)
        add_match (matches, BK_OBJECT_INCIDENT,
                   g_strdup_printf ("%" G_GINT64_FORMAT, bc_incident_get_id (incident)),
                   bc_incident_get_number (incident),
                   g_strdup_printf ("%s · %s",
                                    bc_incident_type_label (bc_incident_get_incident_type (incident)),
                                    bc_incident_get_address (incident)),
                   score);
    }

  units = bk_live_state_get_units (self->live_state);
  for (guint i = 0; i < g_list_model_get_n_items (units); i++)
    {
      g_autoptr(BcUnit) unit = g_list_model_get_item (units, i);
      int score = best_score (score_text (needle, bc_unit_get_call_sign (unit)),
                              score_text (needle, bc_unit_get_station (unit)));

      if (score >= 0)
        add_match (matches, BK_OBJECT_UNIT,
                   g_strdup_printf ("%" G_GINT64_FORMAT, bc_unit_get_id (unit)),
                   bc_unit_get_call_sign (unit),
                   g_strdup_printf ("%s · %s",
                                    bc_unit_status_label (bc_unit_get_status (unit)),
                                    bc_unit_get_station (unit) != NULL
                                    ? bc_unit_get_station (unit) : ""),
                   score);
    }

  /* Tens of thousands of cameras: stop once enough have been found. */
  cameras = bk_live_state_get_cameras (self->live_state);
  for (guint i = 0; i < cameras->len && n_cameras < 4 * MAX_PER_KIND; i++)
    {
      BcCamera *camera = g_ptr_array_index (cameras, i);
      int score = best_score (score_text (needle, camera->name),
                              g_str_has_prefix (camera->id, needle) ? 1 : -1);

      if (score >= 0)
        {
          add_match (matches, BK_OBJECT_CAMERA, g_strdup (camera->id), camera->name,
                     g_strdup_printf ("%s · %s", bc_camera_kind_label (camera->kind), camera->id),
                     score);
          n_cameras++;
        }
    }

  g_ptr_array_sort (matches, compare_matches);
  return g_steal_pointer (&matches);
}

static const char *
kind_icon (BkObjectKind kind)
{
  switch (kind)
    {
    case BK_OBJECT_INCIDENT:
      return "dialog-warning-symbolic";
    case BK_OBJECT_UNIT:
      return "emoji-travel-symbolic";
    case BK_OBJECT_CAMERA:
      return "camera-video-symbolic";
    case BK_OBJECT_NONE:
    default:
      return "mark-location-symbolic";
    }
}

static void
clear_list (BkFindBar *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  self->n_matches = 0;
}

static void
run_search (BkFindBar *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_autoptr(GPtrArray) matches = find_matches (self, text);
  guint shown[4] = { 0, };

  clear_list (self);
  g_free (self->searched);
  self->searched = g_strdup (text);

  if (text[0] == '\0')
    {
      gtk_popover_popdown (self->popover);
      return;
    }

  for (guint i = 0; i < matches->len; i++)
    {
      Match *match = g_ptr_array_index (matches, i);
      GtkWidget *row, *box, *image, *labels, *title, *subtitle;

      if (shown[match->kind]++ >= MAX_PER_KIND)
        continue;

      box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      image = gtk_image_new_from_icon_name (kind_icon (match->kind));
      labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      title = gtk_label_new (match->title);
      subtitle = gtk_label_new (match->subtitle);

      gtk_widget_add_css_class (image, "find-kind");
      gtk_label_set_xalign (GTK_LABEL (title), 0.0f);
      gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (title, "heading");
      gtk_label_set_xalign (GTK_LABEL (subtitle), 0.0f);
      gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (subtitle, "dim-label");
      gtk_widget_add_css_class (subtitle, "caption");
      gtk_box_append (GTK_BOX (labels), title);
      gtk_box_append (GTK_BOX (labels), subtitle);
      gtk_box_append (GTK_BOX (box), image);
      gtk_box_append (GTK_BOX (box), labels);

      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      g_object_set_data (G_OBJECT (row), "kind", GINT_TO_POINTER (match->kind));
      g_object_set_data_full (G_OBJECT (row), "id", g_strdup (match->id), g_free);
      gtk_list_box_append (self->list, row);
      self->n_matches++;
    }

  if (self->n_matches == 0)
    {
      GtkWidget *label = gtk_label_new (_("No match among the open incidents, the units and "
                                          "the cameras loaded on the map"));

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "find-empty");
      gtk_list_box_append (self->list, label);
      gtk_list_box_row_set_activatable (gtk_list_box_get_row_at_index (self->list, 0), FALSE);
      gtk_list_box_row_set_selectable (gtk_list_box_get_row_at_index (self->list, 0), FALSE);
    }
  else
    {
      gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, 0));
    }

  gtk_popover_popup (self->popover);
}

static void
activate_row (BkFindBar     *self,
              GtkListBoxRow *row)
{
  BkObjectKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "kind"));
  g_autofree char *id = g_strdup (g_object_get_data (G_OBJECT (row), "id"));

  if (id == NULL)
    return;

  gtk_popover_popdown (self->popover);
  /* Ready for the next search; the selection shows what was found. */
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  clear_list (self);
  g_signal_emit (self, signals[ACTIVATED], 0, kind, id);
}

static void
search_changed_cb (BkFindBar *self)
{
  /* set_text() searches at once; the entry's delayed signal then has nothing new. */
  if (g_strcmp0 (self->searched, gtk_editable_get_text (GTK_EDITABLE (self->entry))) == 0)
    return;
  run_search (self);
}

static void
entry_activate_cb (BkFindBar *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);

  if (row == NULL)
    row = gtk_list_box_get_row_at_index (self->list, 0);
  if (row != NULL)
    activate_row (self, row);
}

static void
stop_search_cb (BkFindBar *self)
{
  gtk_popover_popdown (self->popover);
}

/* Up and Down move through the matches while the focus stays in the entry. */
static gboolean
entry_key_pressed_cb (BkFindBar             *self,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      GtkEventControllerKey *controller)
{
  GtkListBoxRow *row;
  int index, delta;

  if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    delta = 1;
  else if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    delta = -1;
  else
    return FALSE;

  if (self->n_matches == 0)
    return FALSE;

  if (!gtk_widget_get_visible (GTK_WIDGET (self->popover)))
    {
      gtk_popover_popup (self->popover);
      return TRUE;
    }

  row = gtk_list_box_get_selected_row (self->list);
  index = row != NULL ? gtk_list_box_row_get_index (row) + delta : 0;
  index = CLAMP (index, 0, (int) self->n_matches - 1);
  gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, index));
  return TRUE;
}

static void
row_activated_cb (BkFindBar     *self,
                  GtkListBoxRow *row)
{
  activate_row (self, row);
}

void
bk_find_bar_set_live_state (BkFindBar   *self,
                            BkLiveState *live_state)
{
  g_return_if_fail (BK_IS_FIND_BAR (self));

  g_set_object (&self->live_state, live_state);
}

void
bk_find_bar_focus (BkFindBar *self)
{
  g_return_if_fail (BK_IS_FIND_BAR (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
  gtk_editable_select_region (GTK_EDITABLE (self->entry), 0, -1);
}

void
bk_find_bar_set_text (BkFindBar  *self,
                      const char *text)
{
  g_return_if_fail (BK_IS_FIND_BAR (self));

  gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
  /* GtkSearchEntry delays ::search-changed; whoever sets the text wants the answer now. */
  run_search (self);
}

guint
bk_find_bar_get_n_matches (BkFindBar *self)
{
  g_return_val_if_fail (BK_IS_FIND_BAR (self), 0);

  return self->n_matches;
}

gboolean
bk_find_bar_activate_match (BkFindBar *self,
                            guint      index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (BK_IS_FIND_BAR (self), FALSE);

  if (index >= self->n_matches)
    return FALSE;

  row = gtk_list_box_get_row_at_index (self->list, index);
  activate_row (self, row);
  return TRUE;
}

static void
bk_find_bar_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  BkFindBar *self = BK_FIND_BAR (widget);

  gtk_widget_measure (GTK_WIDGET (self->entry), orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static void
bk_find_bar_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  BkFindBar *self = BK_FIND_BAR (widget);

  gtk_widget_size_allocate (GTK_WIDGET (self->entry),
                            &(GtkAllocation) { 0, 0, width, height }, baseline);
  gtk_widget_set_size_request (GTK_WIDGET (self->popover), MAX (width, 460), -1);
  gtk_popover_present (self->popover);
}

static void
bk_find_bar_dispose (GObject *object)
{
  BkFindBar *self = BK_FIND_BAR (object);

  g_clear_object (&self->live_state);
  g_clear_pointer (&self->searched, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_FIND_BAR);

  G_OBJECT_CLASS (bk_find_bar_parent_class)->dispose (object);
}

static void
bk_find_bar_class_init (BkFindBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bk_find_bar_dispose;
  widget_class->measure = bk_find_bar_measure;
  widget_class->size_allocate = bk_find_bar_size_allocate;

  signals[ACTIVATED] =
    g_signal_new ("activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/cn/jingmen/Beacon/bk-find-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, BkFindBar, entry);
  gtk_widget_class_bind_template_child (widget_class, BkFindBar, popover);
  gtk_widget_class_bind_template_child (widget_class, BkFindBar, list);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_key_pressed_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);

  gtk_widget_class_set_css_name (widget_class, "bk-find-bar");
}

static void
bk_find_bar_init (BkFindBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

BkFindBar *
bk_find_bar_new (void)
{
  return g_object_new (BK_TYPE_FIND_BAR, NULL);
}
