/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-new-incident-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bc-geo.h"
#include "bk-command-parser.h"
#include "bk-format.h"
#include "bk-gazetteer.h"

#define PLACE_COMPLETIONS 12

typedef enum
{
  FIELD_TYPE,
  FIELD_PRIORITY,
  FIELD_PLACE,
  FIELD_LOCATION,
  FIELD_CALLER_NAME,
  FIELD_CALLER_PHONE,
  FIELD_DESCRIPTION,
  FIELD_FORM,
  N_FIELDS
} Field;

static const char * const field_names[N_FIELDS] = {
  "type", "priority", "place", "location", "caller-name", "caller-phone", "description", "form",
};

typedef enum
{
  LOCATION_NONE,
  LOCATION_PLACE,     /* from a gazetteer place */
  LOCATION_TYPED,     /* coordinates typed */
  LOCATION_MAP,       /* clicked on the map */
} LocationSource;

struct _BkNewIncidentDialog
{
  AdwWindow parent_instance;

  BkLiveState *live_state;
  BcClient *client;
  BkMapView *map_view;

  LocationSource location_source;
  double lat;
  double lon;
  gboolean updating;          /* a field set by code, not typed */
  gboolean tried;             /* errors show once Create was pressed */
  gboolean busy;
  BcIncident *duplicate;
  gboolean duplicate_seen;
  char *errors[N_FIELDS];

  GtkButton *create_button;
  GtkSpinner *spinner;
  GtkDropDown *type_drop;
  GtkDropDown *priority_drop;
  GtkEntry *place_entry;
  GtkLabel *place_error;
  GtkEntry *coords_entry;
  GtkToggleButton *pick_button;
  GtkLabel *location_label;
  GtkLabel *location_error;
  GtkEntry *caller_name_entry;
  GtkEntry *caller_phone_entry;
  GtkLabel *caller_error;
  GtkTextView *description_view;
  GtkLabel *description_error;
  GtkRevealer *duplicate_revealer;
  GtkLabel *duplicate_label;
  GtkButton *add_note_button;
  GtkLabel *form_error;
  GtkEntryCompletion *completion;
  GtkListStore *places;
};

G_DEFINE_FINAL_TYPE (BkNewIncidentDialog, bk_new_incident_dialog, ADW_TYPE_WINDOW)

enum {
  CREATED,
  NOTE_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- duplicates --------------------------------------------------------------------------- */

BcIncident *
bk_find_duplicate_incident (BkLiveState    *live_state,
                            BcIncidentType  type,
                            double          lat,
                            double          lon,
                            gint64          now_us)
{
  GListModel *incidents;
  BcIncident *best = NULL;
  double best_m = BK_DUPLICATE_RADIUS_M;

  g_return_val_if_fail (BK_IS_LIVE_STATE (live_state), NULL);

  incidents = bk_live_state_get_incidents (live_state);
  for (guint i = 0; i < g_list_model_get_n_items (incidents); i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (incidents, i);
      gint64 age = now_us - bc_incident_get_created_at (incident);
      double d;

      if (!bc_incident_is_open (incident) || bc_incident_get_incident_type (incident) != type
          || age > (gint64) BK_DUPLICATE_WINDOW_S * G_USEC_PER_SEC)
        continue;
      d = bc_geo_distance_m (lat, lon, bc_incident_get_lat (incident), bc_incident_get_lon (incident));
      if (d <= best_m)
        {
          best_m = d;
          best = incident;   /* the live state keeps it */
        }
    }

  return best;
}

/* ---- messages ----------------------------------------------------------------------------- */

static GtkLabel *
error_label (BkNewIncidentDialog *self,
             Field                field)
{
  switch (field)
    {
    case FIELD_PLACE:
      return self->place_error;
    case FIELD_LOCATION:
      return self->location_error;
    case FIELD_CALLER_NAME:
    case FIELD_CALLER_PHONE:
      return self->caller_error;
    case FIELD_DESCRIPTION:
      return self->description_error;
    case FIELD_FORM:
    case FIELD_TYPE:
    case FIELD_PRIORITY:
    case N_FIELDS:
    default:
      return self->form_error;
    }
}

static void
show_errors (BkNewIncidentDialog *self)
{
  GtkLabel *labels[] = {
    self->place_error, self->location_error, self->caller_error, self->description_error,
    self->form_error,
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      gtk_label_set_label (labels[i], "");
      gtk_widget_set_visible (GTK_WIDGET (labels[i]), FALSE);
    }

  for (Field f = 0; f < N_FIELDS; f++)
    {
      GtkLabel *label = error_label (self, f);
      const char *old;
      g_autofree char *text = NULL;

      if (self->errors[f] == NULL)
        continue;
      old = gtk_label_get_label (label);
      text = old[0] != '\0' ? g_strconcat (old, "\n", self->errors[f], NULL)
                            : g_strdup (self->errors[f]);
      gtk_label_set_label (label, text);
      gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
    }

  {
    GtkWidget *entries[] = {
      GTK_WIDGET (self->place_entry), GTK_WIDGET (self->coords_entry),
      GTK_WIDGET (self->caller_name_entry), GTK_WIDGET (self->caller_phone_entry),
    };
    Field fields[] = { FIELD_PLACE, FIELD_LOCATION, FIELD_CALLER_NAME, FIELD_CALLER_PHONE };

    for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
      {
        if (self->errors[fields[i]] != NULL)
          gtk_widget_add_css_class (entries[i], "error");
        else
          gtk_widget_remove_css_class (entries[i], "error");
      }
  }
}

static void
set_error (BkNewIncidentDialog *self,
           Field                field,
           char                *text)
{
  g_free (self->errors[field]);
  self->errors[field] = text;
}

/* The codec's errors are API-level English ("caller.phone: …"); the form says the same in
 * the user's language, next to the field. */
static Field
field_of_path (const char *message)
{
  if (g_str_has_prefix (message, "type"))
    return FIELD_TYPE;
  if (g_str_has_prefix (message, "priority"))
    return FIELD_PRIORITY;
  if (g_str_has_prefix (message, "location"))
    return FIELD_LOCATION;
  if (g_str_has_prefix (message, "address"))
    return FIELD_PLACE;
  if (g_str_has_prefix (message, "caller.name"))
    return FIELD_CALLER_NAME;
  if (g_str_has_prefix (message, "caller.phone"))
    return FIELD_CALLER_PHONE;
  if (g_str_has_prefix (message, "description"))
    return FIELD_DESCRIPTION;
  return FIELD_FORM;
}

static char *
translate_error (Field         field,
                 const GError *error)
{
  static const int limits[N_FIELDS] = {
    [FIELD_PLACE] = BC_INCIDENT_ADDRESS_MAX,
    [FIELD_CALLER_NAME] = BC_INCIDENT_CALLER_NAME_MAX,
    [FIELD_CALLER_PHONE] = BC_INCIDENT_CALLER_PHONE_MAX,
    [FIELD_DESCRIPTION] = BC_INCIDENT_DESCRIPTION_MAX,
  };

  switch ((BcModelError) error->code)
    {
    case BC_MODEL_ERROR_MISSING_FIELD:
      if (field == FIELD_PLACE)
        return g_strdup (_("Give the place or address."));
      return g_strdup (_("This is required."));

    case BC_MODEL_ERROR_TOO_LONG:
      return g_strdup_printf (_("Too long: at most %d characters."), limits[field]);

    case BC_MODEL_ERROR_INVALID_FORMAT:
      if (field == FIELD_CALLER_PHONE)
        return g_strdup (_("A phone number has digits, spaces, + and - only."));
      return g_strdup_printf (_("Not valid: %s"), error->message);

    case BC_MODEL_ERROR_OUT_OF_RANGE:
      if (field == FIELD_LOCATION)
        return g_strdup (_("Latitude must be −90 to 90 and longitude −180 to 180."));
      return g_strdup_printf (_("Out of range: %s"), error->message);

    case BC_MODEL_ERROR_INVALID_UTF8:
    case BC_MODEL_ERROR_WRONG_TYPE:
    case BC_MODEL_ERROR_UNKNOWN_VALUE:
    case BC_MODEL_ERROR_FORBIDDEN_FIELD:
    case BC_MODEL_ERROR_DUPLICATE:
    default:
      return g_strdup_printf (_("Not valid: %s"), error->message);
    }
}

/* ---- the draft ---------------------------------------------------------------------------- */

static char *
description_text (BkNewIncidentDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->description_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
}

static char *
entry_text (GtkEntry *entry)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
}

static BcIncident *
build_draft (BkNewIncidentDialog *self)
{
  BcIncident *draft = bc_incident_new ();
  g_autofree char *place = entry_text (self->place_entry);
  g_autofree char *name = entry_text (self->caller_name_entry);
  g_autofree char *phone = entry_text (self->caller_phone_entry);
  g_autofree char *description = description_text (self);

  bc_incident_set_incident_type (draft, (BcIncidentType) gtk_drop_down_get_selected (self->type_drop));
  bc_incident_set_priority (draft, (int) gtk_drop_down_get_selected (self->priority_drop) + 1);
  if (self->location_source != LOCATION_NONE)
    bc_incident_set_location (draft, self->lat, self->lon);

  /* Only coordinates: the nearest named place stands for the address. */
  if (place[0] == '\0' && self->location_source != LOCATION_NONE)
    {
      g_free (place);
      place = bk_gazetteer_describe (bk_gazetteer_get_default (), self->lat, self->lon);
    }
  bc_incident_set_address (draft, place);
  if (name[0] != '\0')
    bc_incident_set_caller_name (draft, name);
  if (phone[0] != '\0')
    bc_incident_set_caller_phone (draft, phone);
  if (description[0] != '\0')
    bc_incident_set_description (draft, description);

  return draft;
}

/* Every field's problem, not just the first: the codec stops at the first, so the field it
 * names is replaced by a valid stand-in and the draft checked again. */
static gboolean
validate (BkNewIncidentDialog *self)
{
  g_autoptr(BcIncident) draft = build_draft (self);
  gboolean valid = TRUE;

  for (Field f = 0; f < N_FIELDS; f++)
    set_error (self, f, NULL);

  if (self->location_source == LOCATION_NONE)
    {
      set_error (self, FIELD_LOCATION,
                 g_strdup (_("Choose a known place, type coordinates or pick the place on the "
                             "map.")));
      valid = FALSE;
      bc_incident_set_location (draft, 0.0, 0.0);
    }

  for (guint attempt = 0; attempt < N_FIELDS; attempt++)
    {
      g_autoptr(JsonNode) node = bc_incident_to_create_json (draft);
      g_autoptr(BcIncident) checked = NULL;
      g_autoptr(GError) error = NULL;
      Field field;

      checked = bc_incident_from_create_json (node, &error);
      if (checked != NULL)
        break;

      valid = FALSE;
      field = field_of_path (error->message);
      if (self->errors[field] == NULL)
        set_error (self, field, translate_error (field, error));

      switch (field)
        {
        case FIELD_PLACE:
          bc_incident_set_address (draft, "-");
          break;
        case FIELD_LOCATION:
          bc_incident_set_location (draft, 0.0, 0.0);
          break;
        case FIELD_CALLER_NAME:
          bc_incident_set_caller_name (draft, NULL);
          break;
        case FIELD_CALLER_PHONE:
          bc_incident_set_caller_phone (draft, NULL);
          break;
        case FIELD_DESCRIPTION:
          bc_incident_set_description (draft, NULL);
          break;
        case FIELD_TYPE:
        case FIELD_PRIORITY:
        case FIELD_FORM:
        case N_FIELDS:
        default:
          attempt = N_FIELDS;   /* nothing to stand in for */
          break;
        }
    }

  show_errors (self);
  return valid;
}

static void
revalidate (BkNewIncidentDialog *self)
{
  /* Errors appear after the first Create, then follow every keystroke. */
  if (self->tried)
    validate (self);
}

/* ---- location ----------------------------------------------------------------------------- */

static void
set_location (BkNewIncidentDialog *self,
              LocationSource       source,
              double               lat,
              double               lon,
              const char          *how)
{
  self->location_source = source;
  self->lat = lat;
  self->lon = lon;
  gtk_label_set_label (self->location_label, how != NULL ? how : "");

  /* A different place is a different duplicate question. */
  self->duplicate_seen = FALSE;
  gtk_revealer_set_reveal_child (self->duplicate_revealer, FALSE);
  g_clear_object (&self->duplicate);

  if (source != LOCATION_TYPED)
    {
      g_autofree char *text = g_strdup_printf ("%.6f, %.6f", lat, lon);

      self->updating = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->coords_entry), text);
      self->updating = FALSE;
    }

  if (self->map_view != NULL && source != LOCATION_NONE)
    bk_map_view_go_to (self->map_view, lat, lon,
                       MAX (shumate_viewport_get_zoom_level (bk_map_view_get_viewport (self->map_view)), 15.0),
                       TRUE);
  revalidate (self);
}

static void
fill_places (BkNewIncidentDialog *self,
             const char          *text)
{
  g_autoptr(GPtrArray) places = NULL;

  gtk_list_store_clear (self->places);
  if (text[0] == '\0')
    return;

  places = bk_gazetteer_complete (bk_gazetteer_get_default (), text, PLACE_COMPLETIONS);
  for (guint i = 0; i < places->len; i++)
    {
      const BkPlace *place = g_ptr_array_index (places, i);
      GtkTreeIter iter;

      gtk_list_store_insert_with_values (self->places, &iter, -1, 0, place->name, -1);
    }
}

static void
place_changed_cb (BkNewIncidentDialog *self)
{
  g_autofree char *text = entry_text (self->place_entry);
  const BkPlace *place;

  if (self->updating)
    return;

  fill_places (self, text);
  place = text[0] != '\0' ? bk_gazetteer_lookup (bk_gazetteer_get_default (), text) : NULL;
  if (place != NULL)
    {
      g_autofree char *how = g_strdup_printf (_("From the place “%s”"), place->name);
      set_location (self, LOCATION_PLACE, place->lat, place->lon, how);
      return;
    }

  /* A place typed on from a known one ("象山大道 88号") keeps its location. */
  revalidate (self);
}

static void
coords_changed_cb (BkNewIncidentDialog *self)
{
  g_autofree char *text = entry_text (self->coords_entry);
  double lat, lon;

  if (self->updating)
    return;

  if (bk_command_parse_lat_lon (text, &lat, &lon))
    set_location (self, LOCATION_TYPED, lat, lon, _("From the typed coordinates"));
  else if (text[0] == '\0' || self->location_source == LOCATION_TYPED)
    {
      self->location_source = LOCATION_NONE;
      gtk_label_set_label (self->location_label, "");
      if (text[0] != '\0')
        {
          self->tried = TRUE;
          validate (self);
          set_error (self, FIELD_LOCATION,
                     g_strdup (_("Type latitude and longitude separated by a comma, e.g. "
                                 "31.0355, 112.2040.")));
          show_errors (self);
        }
      else
        revalidate (self);
    }
}

static void
field_changed_cb (BkNewIncidentDialog *self)
{
  revalidate (self);
}

static void
location_picked_cb (BkNewIncidentDialog *self,
                    double               lat,
                    double               lon)
{
  g_autofree char *place = entry_text (self->place_entry);

  gtk_toggle_button_set_active (self->pick_button, FALSE);
  if (place[0] == '\0')
    {
      g_autofree char *described = bk_gazetteer_describe (bk_gazetteer_get_default (), lat, lon);

      self->updating = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->place_entry), described);
      self->updating = FALSE;
    }
  set_location (self, LOCATION_MAP, lat, lon, _("Picked on the map"));
  gtk_window_present (GTK_WINDOW (self));
}

static void
pick_cancelled_cb (BkNewIncidentDialog *self)
{
  gtk_toggle_button_set_active (self->pick_button, FALSE);
}

static void
pick_toggled_cb (BkNewIncidentDialog *self)
{
  if (self->map_view == NULL)
    {
      if (gtk_toggle_button_get_active (self->pick_button))
        gtk_toggle_button_set_active (self->pick_button, FALSE);
      return;
    }

  if (gtk_toggle_button_get_active (self->pick_button))
    {
      gtk_label_set_label (self->location_label,
                           _("Click the place on the map (Escape to stop)."));
      bk_map_view_pick_location (self->map_view);
    }
  else if (bk_map_view_get_picking (self->map_view))
    bk_map_view_cancel_pick (self->map_view);
}

/* ---- submit ------------------------------------------------------------------------------- */

static void
set_busy (BkNewIncidentDialog *self,
          gboolean             busy)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "incident.create", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "incident.add-to-duplicate", !busy);
}

static void
create_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(BkNewIncidentDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = bc_client_create_incident_finish (BC_CLIENT (object), result,
                                                                     &error);

  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  set_busy (self, FALSE);

  if (incident == NULL)
    {
      set_error (self, FIELD_FORM, bk_format_client_error (error));
      show_errors (self);
      return;
    }

  g_signal_emit (self, signals[CREATED], 0, incident);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
show_duplicate (BkNewIncidentDialog *self,
                BcIncident          *duplicate)
{
  g_autofree char *age = bk_format_duration (g_get_real_time ()
                                             - bc_incident_get_created_at (duplicate));
  g_autofree char *text = NULL;
  g_autofree char *button = NULL;
  double d = bc_geo_distance_m (self->lat, self->lon, bc_incident_get_lat (duplicate),
                                bc_incident_get_lon (duplicate));
  g_autofree char *distance = bk_format_distance (d);

  g_set_object (&self->duplicate, duplicate);
  /* Translators: number, type, address, distance from the new place, age */
  text = g_strdup_printf (_("Possible duplicate: %s (%s) at %s, %s away, reported %s ago. If "
                            "this call is about the same event, add it to that incident as a "
                            "note instead."),
                          bc_incident_get_number (duplicate),
                          bc_incident_type_label (bc_incident_get_incident_type (duplicate)),
                          bc_incident_get_address (duplicate), distance, age);
  gtk_label_set_label (self->duplicate_label, text);
  button = g_strdup_printf (_("Add as a Note to %s"), bc_incident_get_number (duplicate));
  gtk_button_set_label (self->add_note_button, button);
  gtk_revealer_set_reveal_child (self->duplicate_revealer, TRUE);
  self->duplicate_seen = TRUE;
}

gboolean
bk_new_incident_dialog_submit (BkNewIncidentDialog *self)
{
  g_autoptr(BcIncident) draft = NULL;
  BcIncident *duplicate;

  g_return_val_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self), FALSE);

  if (self->busy)
    return TRUE;

  self->tried = TRUE;
  if (!validate (self))
    return FALSE;

  if (self->client == NULL)
    {
      set_error (self, FIELD_FORM, g_strdup (_("Sign in first.")));
      show_errors (self);
      return FALSE;
    }

  draft = build_draft (self);
  duplicate = bk_find_duplicate_incident (self->live_state, bc_incident_get_incident_type (draft),
                                          self->lat, self->lon, g_get_real_time ());
  if (duplicate != NULL && !self->duplicate_seen)
    {
      show_duplicate (self, duplicate);
      return TRUE;
    }

  set_busy (self, TRUE);
  bc_client_create_incident_async (self->client, draft, NULL, create_cb, g_object_ref (self));
  return TRUE;
}

static void
note_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(BkNewIncidentDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcNote) note = bc_client_add_note_finish (BC_CLIENT (object), result, &error);
  gint64 id;

  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  set_busy (self, FALSE);

  /* Queued is as good as added: the outbox delivers it. */
  if (note == NULL && !g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED))
    {
      set_error (self, FIELD_FORM, bk_format_client_error (error));
      show_errors (self);
      return;
    }

  id = bc_incident_get_id (self->duplicate);
  g_signal_emit (self, signals[NOTE_ADDED], 0, id);
  gtk_window_destroy (GTK_WINDOW (self));
}

gboolean
bk_new_incident_dialog_add_to_duplicate (BkNewIncidentDialog *self)
{
  g_autofree char *name = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *description = NULL;
  g_autofree char *place = NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self), FALSE);

  if (self->duplicate == NULL || self->client == NULL || self->busy)
    return FALSE;

  name = entry_text (self->caller_name_entry);
  phone = entry_text (self->caller_phone_entry);
  description = description_text (self);
  place = entry_text (self->place_entry);

  /* Translators: the start of a note made from a second report of the same incident */
  g_string_append (text, _("Another call about this incident."));
  if (name[0] != '\0' || phone[0] != '\0')
    {
      g_string_append_c (text, ' ');
      /* Translators: the caller's name and phone in a note */
      g_string_append_printf (text, _("Caller: %s %s."), name, phone);
    }
  if (place[0] != '\0')
    {
      g_string_append_c (text, ' ');
      g_string_append_printf (text, _("Place given: %s."), place);
    }
  if (description[0] != '\0')
    {
      g_string_append_c (text, ' ');
      g_string_append (text, description);
    }

  set_busy (self, TRUE);
  bc_client_add_note_async (self->client, bc_incident_get_id (self->duplicate), text->str, NULL,
                            note_cb, g_object_ref (self));
  return TRUE;
}

/* ---- actions ------------------------------------------------------------------------------ */

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  bk_new_incident_dialog_submit (BK_NEW_INCIDENT_DIALOG (widget));
}

static void
add_to_duplicate_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  bk_new_incident_dialog_add_to_duplicate (BK_NEW_INCIDENT_DIALOG (widget));
}

/* ---- public ------------------------------------------------------------------------------- */

void
bk_new_incident_dialog_set_incident_type (BkNewIncidentDialog *self,
                                          BcIncidentType       type)
{
  g_return_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self));

  gtk_drop_down_set_selected (self->type_drop, (guint) type);
}

void
bk_new_incident_dialog_set_priority (BkNewIncidentDialog *self,
                                     int                  priority)
{
  g_return_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self));
  g_return_if_fail (priority >= 1 && priority <= 4);

  gtk_drop_down_set_selected (self->priority_drop, (guint) (priority - 1));
}

void
bk_new_incident_dialog_set_place (BkNewIncidentDialog *self,
                                  const char          *text)
{
  g_return_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->place_entry), text != NULL ? text : "");
}

void
bk_new_incident_dialog_set_coordinates (BkNewIncidentDialog *self,
                                        const char          *text)
{
  g_return_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->coords_entry), text != NULL ? text : "");
}

void
bk_new_incident_dialog_set_caller (BkNewIncidentDialog *self,
                                   const char          *name,
                                   const char          *phone)
{
  g_return_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->caller_name_entry), name != NULL ? name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->caller_phone_entry), phone != NULL ? phone : "");
}

void
bk_new_incident_dialog_set_description (BkNewIncidentDialog *self,
                                        const char          *text)
{
  g_return_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->description_view),
                            text != NULL ? text : "", -1);
}

void
bk_new_incident_dialog_pick_on_map (BkNewIncidentDialog *self)
{
  g_return_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self));

  gtk_toggle_button_set_active (self->pick_button, TRUE);
}

gboolean
bk_new_incident_dialog_get_location (BkNewIncidentDialog *self,
                                     double              *lat,
                                     double              *lon)
{
  g_return_val_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self), FALSE);

  if (self->location_source == LOCATION_NONE)
    return FALSE;
  *lat = self->lat;
  *lon = self->lon;
  return TRUE;
}

BcIncident *
bk_new_incident_dialog_get_duplicate (BkNewIncidentDialog *self)
{
  g_return_val_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self), NULL);

  return self->duplicate;
}

const char *
bk_new_incident_dialog_get_field_error (BkNewIncidentDialog *self,
                                        const char          *field)
{
  g_return_val_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self), NULL);
  g_return_val_if_fail (field != NULL, NULL);

  for (Field f = 0; f < N_FIELDS; f++)
    if (g_str_equal (field_names[f], field))
      return self->errors[f];

  return NULL;
}

gboolean
bk_new_incident_dialog_get_busy (BkNewIncidentDialog *self)
{
  g_return_val_if_fail (BK_IS_NEW_INCIDENT_DIALOG (self), FALSE);

  return self->busy;
}

/* ---- class -------------------------------------------------------------------------------- */

static void
bk_new_incident_dialog_dispose (GObject *object)
{
  BkNewIncidentDialog *self = BK_NEW_INCIDENT_DIALOG (object);

  if (self->map_view != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->map_view, self);
      if (bk_map_view_get_picking (self->map_view))
        bk_map_view_cancel_pick (self->map_view);
    }
  g_clear_object (&self->map_view);
  g_clear_object (&self->live_state);
  g_clear_object (&self->client);
  g_clear_object (&self->duplicate);
  g_clear_object (&self->completion);
  g_clear_object (&self->places);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_NEW_INCIDENT_DIALOG);

  G_OBJECT_CLASS (bk_new_incident_dialog_parent_class)->dispose (object);
}

static void
bk_new_incident_dialog_finalize (GObject *object)
{
  BkNewIncidentDialog *self = BK_NEW_INCIDENT_DIALOG (object);

  for (Field f = 0; f < N_FIELDS; f++)
    g_free (self->errors[f]);

  G_OBJECT_CLASS (bk_new_incident_dialog_parent_class)->finalize (object);
}

static void
bk_new_incident_dialog_class_init (BkNewIncidentDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bk_new_incident_dialog_dispose;
  object_class->finalize = bk_new_incident_dialog_finalize;

  signals[CREATED] =
    g_signal_new ("created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, BC_TYPE_INCIDENT);
  signals[NOTE_ADDED] =
    g_signal_new ("note-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/cn/jingmen/Beacon/bk-new-incident-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, create_button);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, type_drop);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, priority_drop);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, place_entry);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, place_error);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, coords_entry);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, pick_button);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, location_label);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, location_error);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, caller_name_entry);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, caller_phone_entry);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, caller_error);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, description_view);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, description_error);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, duplicate_revealer);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, duplicate_label);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, add_note_button);
  gtk_widget_class_bind_template_child (widget_class, BkNewIncidentDialog, form_error);
  gtk_widget_class_bind_template_callback (widget_class, place_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, coords_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, pick_toggled_cb);

  gtk_widget_class_install_action (widget_class, "incident.create", NULL, create_action);
  gtk_widget_class_install_action (widget_class, "incident.add-to-duplicate", NULL,
                                   add_to_duplicate_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "incident.create", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "incident.create", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static gboolean
match_any (GtkEntryCompletion *completion,
           const char         *key,
           GtkTreeIter        *iter,
           gpointer            user_data)
{
  return TRUE;
}

static void
bk_new_incident_dialog_init (BkNewIncidentDialog *self)
{
  g_autoptr(GtkStringList) types = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) priorities = gtk_string_list_new (NULL);
  static const char * const priority_names[] = {
    N_("P1 · Life in danger, crime in progress"),
    N_("P2 · Urgent"),
    N_("P3 · Prompt"),
    N_("P4 · Routine"),
  };

  gtk_widget_init_template (GTK_WIDGET (self));

  for (int t = BC_INCIDENT_TYPE_CRIMINAL; t <= BC_INCIDENT_TYPE_OTHER; t++)
    gtk_string_list_append (types, bc_incident_type_label ((BcIncidentType) t));
  gtk_drop_down_set_model (self->type_drop, G_LIST_MODEL (types));
  for (guint i = 0; i < G_N_ELEMENTS (priority_names); i++)
    gtk_string_list_append (priorities, _(priority_names[i]));
  gtk_drop_down_set_model (self->priority_drop, G_LIST_MODEL (priorities));
  gtk_drop_down_set_selected (self->priority_drop, 2);

  /* GtkEntryCompletion matches the whole entry, as a place field wants; the list holds the
   * gazetteer's best matches for what is typed, so any match inside a name is offered. */
  self->places = gtk_list_store_new (1, G_TYPE_STRING);
  self->completion = gtk_entry_completion_new ();
  gtk_entry_completion_set_model (self->completion, GTK_TREE_MODEL (self->places));
  gtk_entry_completion_set_text_column (self->completion, 0);
  gtk_entry_completion_set_minimum_key_length (self->completion, 1);
  gtk_entry_completion_set_match_func (self->completion, match_any, NULL, NULL);
  gtk_entry_set_completion (self->place_entry, self->completion);
}

BkNewIncidentDialog *
bk_new_incident_dialog_new (GtkWindow   *parent,
                            BkLiveState *live_state,
                            BkMapView   *map_view)
{
  BkNewIncidentDialog *self;

  g_return_val_if_fail (BK_IS_LIVE_STATE (live_state), NULL);
  g_return_val_if_fail (map_view == NULL || BK_IS_MAP_VIEW (map_view), NULL);

  self = g_object_new (BK_TYPE_NEW_INCIDENT_DIALOG, "transient-for", parent, NULL);
  self->live_state = g_object_ref (live_state);
  self->client = g_object_ref (bk_live_state_get_client (live_state));
  if (map_view != NULL)
    {
      self->map_view = g_object_ref (map_view);
      g_signal_connect_object (map_view, "location-picked", G_CALLBACK (location_picked_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (map_view, "pick-cancelled", G_CALLBACK (pick_cancelled_cb),
                               self, G_CONNECT_SWAPPED);
    }

  return self;
}
