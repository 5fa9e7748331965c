/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-command-line.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bk-command-parser.h"
#include "bk-format.h"
#include "bk-gazetteer.h"
#include "bk-new-incident-dialog.h"

#define MAX_COMPLETIONS 8

typedef struct
{
  char *insert;     /* what replaces the word */
  char *title;
  char *detail;
} Candidate;

struct _BkCommandLine
{
  GtkWidget parent_instance;

  BkLiveState *live_state;
  BcClient *client;

  GPtrArray *candidates;      /* Candidate */
  guint word_start;
  gboolean navigated;         /* ↑/↓ chose a completion: Enter takes it */
  gboolean busy;
  gboolean feedback_error;
  char *feedback;
  char *confirm_line;         /* a new incident the dispatcher confirmed despite a duplicate */
  guint complete_idle;

  GtkWidget *box;
  GtkEntry *entry;
  GtkSpinner *spinner;
  GtkLabel *feedback_label;
  GtkPopover *popover;
  GtkListBox *list;
};

G_DEFINE_FINAL_TYPE (BkCommandLine, bk_command_line, GTK_TYPE_WIDGET)

enum {
  FIND_REQUESTED,
  INCIDENT_CREATED,
  DISPATCHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
candidate_free (Candidate *candidate)
{
  g_free (candidate->insert);
  g_free (candidate->title);
  g_free (candidate->detail);
  g_free (candidate);
}

/* ---- feedback ----------------------------------------------------------------------------- */

static void
set_feedback (BkCommandLine *self,
              const char    *text,
              gboolean       is_error)
{
  g_free (self->feedback);
  self->feedback = g_strdup (text);
  self->feedback_error = is_error;

  gtk_label_set_label (self->feedback_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->feedback_label), text != NULL);
  if (is_error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->feedback_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->entry), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->feedback_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->entry), "error");
    }
}

static void
set_busy (BkCommandLine *self,
          gboolean       busy)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

/* ---- resolving names ---------------------------------------------------------------------- */

/* Incident numbers carry the date in China Standard Time, as the server assigns them, whatever
 * the time zone of the seat: "today's" last 4 digits are today's there. */
static GDateTime *
number_today (void)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);

  return g_date_time_new_now (cst);
}

static BcIncident *
resolve_incident (BkCommandLine  *self,
                  const char     *ref,
                  char          **message)
{
  g_autoptr(GDateTime) today = number_today ();
  g_autofree char *number = bk_command_expand_incident (ref, today);
  BcIncident *incident = bk_live_state_lookup_incident_by_number (self->live_state, number);
  GListModel *incidents;
  BcIncident *found = NULL;
  guint n_found = 0;

  if (incident != NULL)
    return incident;

  /* The last 4 digits of an incident from before midnight that is still open. */
  if (strlen (ref) == 4)
    {
      incidents = bk_live_state_get_incidents (self->live_state);
      for (guint i = 0; i < g_list_model_get_n_items (incidents); i++)
        {
          g_autoptr(BcIncident) candidate = g_list_model_get_item (incidents, i);

          if (g_str_has_suffix (bc_incident_get_number (candidate), ref))
            {
              found = candidate;
              n_found++;
            }
        }
      if (n_found == 1)
        return found;
      if (n_found > 1)
        {
          *message = g_strdup_printf (_("Several open incidents end in %s: give the full "
                                        "number."), ref);
          return NULL;
        }
    }

  *message = g_strdup_printf (_("There is no open incident %s."), number);
  return NULL;
}

static BcUnit *
resolve_unit (BkCommandLine  *self,
              const char     *call_sign,
              char          **message)
{
  GListModel *units = bk_live_state_get_units (self->live_state);
  g_autofree char *folded = g_utf8_casefold (call_sign, -1);

  for (guint i = 0; i < g_list_model_get_n_items (units); i++)
    {
      g_autoptr(BcUnit) unit = g_list_model_get_item (units, i);
      g_autofree char *own = g_utf8_casefold (bc_unit_get_call_sign (unit), -1);

      if (g_str_equal (own, folded))
        return unit;   /* the live state keeps it */
    }

  *message = g_strdup_printf (_("There is no unit with the call sign “%s”."), call_sign);
  return NULL;
}

/* ---- running ------------------------------------------------------------------------------ */

typedef struct
{
  BkCommandLine *self;
  char *subject;      /* what the feedback names: an incident number, a call sign */
  char *extra;
} RunData;

static void
run_data_free (RunData *data)
{
  g_object_unref (data->self);
  g_free (data->subject);
  g_free (data->extra);
  g_free (data);
}

static RunData *
run_data_new (BkCommandLine *self,
              const char    *subject,
              const char    *extra)
{
  RunData *data = g_new0 (RunData, 1);

  data->self = g_object_ref (self);
  data->subject = g_strdup (subject);
  data->extra = g_strdup (extra);
  return data;
}

static gboolean
finish_common (RunData      *data,
               const GError *error)
{
  BkCommandLine *self = data->self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return FALSE;

  set_busy (self, FALSE);
  if (error != NULL)
    {
      g_autofree char *text = bk_format_client_error (error);
      gboolean queued = g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED);

      set_feedback (self, text, !queued);
      if (queued)
        gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
      return FALSE;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  return TRUE;
}

static void
dispatch_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  RunData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = bc_client_dispatch_finish (BC_CLIENT (object), result, &error);

  if (finish_common (data, error))
    {
      /* Translators: the first %s is an incident number, the second a list of call signs */
      g_autofree char *text = g_strdup_printf (_("Order for %s sent to %s."), data->subject,
                                               data->extra);
      set_feedback (data->self, text, FALSE);
      g_signal_emit (data->self, signals[DISPATCHED], 0, order);
    }
  run_data_free (data);
}

static void
status_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  RunData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcUnit) unit = bc_client_set_unit_status_finish (BC_CLIENT (object), result, &error);

  if (finish_common (data, error))
    {
      /* Translators: a unit's call sign and its new status */
      g_autofree char *text = g_strdup_printf (_("%s is now %s."), data->subject,
                                               bc_unit_status_label (bc_unit_get_status (unit)));
      set_feedback (data->self, text, FALSE);
    }
  run_data_free (data);
}

static void
close_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  RunData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = bc_client_patch_incident_finish (BC_CLIENT (object), result,
                                                                    &error);

  if (finish_common (data, error))
    {
      /* Translators: an incident number and how it was resolved */
      g_autofree char *text = g_strdup_printf (_("%s closed: %s."), data->subject,
                                               bk_disposition_label_for (data->extra));
      set_feedback (data->self, text, FALSE);
    }
  run_data_free (data);
}

static void
create_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  RunData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = bc_client_create_incident_finish (BC_CLIENT (object), result,
                                                                     &error);

  if (finish_common (data, error))
    {
      g_autofree char *text = g_strdup_printf (_("Created %s at %s."),
                                               bc_incident_get_number (incident),
                                               bc_incident_get_address (incident));
      set_feedback (data->self, text, FALSE);
      g_clear_pointer (&data->self->confirm_line, g_free);
      g_signal_emit (data->self, signals[INCIDENT_CREATED], 0, incident);
    }
  run_data_free (data);
}

static void
run_dispatch (BkCommandLine *self,
              BkCommand     *command)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree char *message = NULL;
  BcIncident *incident = resolve_incident (self, command->incident, &message);

  if (incident == NULL)
    {
      set_feedback (self, message, TRUE);
      return;
    }

  for (guint i = 0; i < command->units->len; i++)
    {
      BcUnit *unit = resolve_unit (self, g_ptr_array_index (command->units, i), &message);
      gint64 id;

      if (unit == NULL)
        {
          set_feedback (self, message, TRUE);
          return;
        }
      id = bc_unit_get_id (unit);
      g_array_append_val (ids, id);
      if (i > 0)
        g_string_append (names, _(", "));
      g_string_append (names, bc_unit_get_call_sign (unit));
    }

  set_busy (self, TRUE);
  bc_client_dispatch_async (self->client, bc_incident_get_id (incident),
                            (const gint64 *) (gpointer) ids->data, ids->len, NULL, NULL, NULL,
                            dispatch_done_cb,
                            run_data_new (self, bc_incident_get_number (incident), names->str));
}

static void
run_status (BkCommandLine *self,
            BkCommand     *command)
{
  g_autofree char *message = NULL;
  BcUnit *unit = resolve_unit (self, g_ptr_array_index (command->units, 0), &message);

  if (unit == NULL)
    {
      set_feedback (self, message, TRUE);
      return;
    }

  set_busy (self, TRUE);
  bc_client_set_unit_status_async (self->client, bc_unit_get_id (unit), command->status,
                                   bc_unit_get_version (unit), NULL, status_done_cb,
                                   run_data_new (self, bc_unit_get_call_sign (unit), NULL));
}

static void
run_close (BkCommandLine *self,
           BkCommand     *command)
{
  g_autofree char *message = NULL;
  g_autoptr(JsonObject) changes = NULL;
  BcIncident *incident = resolve_incident (self, command->incident, &message);

  if (incident == NULL)
    {
      set_feedback (self, message, TRUE);
      return;
    }

  changes = json_object_new ();
  json_object_set_string_member (changes, "status", "closed");
  json_object_set_string_member (changes, "disposition", command->disposition);
  set_busy (self, TRUE);
  bc_client_patch_incident_async (self->client, bc_incident_get_id (incident),
                                  bc_incident_get_version (incident), changes, NULL, close_done_cb,
                                  run_data_new (self, bc_incident_get_number (incident),
                                                command->disposition));
}

static void
run_new (BkCommandLine *self,
         BkCommand     *command,
         const char    *line)
{
  BkGazetteer *gazetteer = bk_gazetteer_get_default ();
  g_autoptr(BcIncident) draft = bc_incident_new ();
  g_autofree char *address = NULL;
  BcIncident *duplicate;
  double lat, lon;

  if (command->has_location)
    {
      lat = command->lat;
      lon = command->lon;
      address = bk_gazetteer_describe (gazetteer, lat, lon);
    }
  else
    {
      const BkPlace *place = bk_gazetteer_lookup (gazetteer, command->place);

      if (place == NULL)
        {
          g_autoptr(GPtrArray) matches = bk_gazetteer_complete (gazetteer, command->place, 2);

          /* One place containing the words is as good as its full name. */
          if (matches->len == 1)
            place = g_ptr_array_index (matches, 0);
        }
      if (place == NULL)
        {
          g_autofree char *text =
            g_strdup_printf (_("“%s” is not a known place: choose one from the completions "
                               "(Tab) or give coordinates as LAT,LON."), command->place);
          set_feedback (self, text, TRUE);
          return;
        }
      lat = place->lat;
      lon = place->lon;
      address = g_strdup (place->name);
    }

  duplicate = bk_find_duplicate_incident (self->live_state, command->type, lat, lon,
                                          g_get_real_time ());
  if (duplicate != NULL && g_strcmp0 (self->confirm_line, line) != 0)
    {
      g_autofree char *age = bk_format_duration (g_get_real_time ()
                                                 - bc_incident_get_created_at (duplicate));
      g_autofree char *text =
        g_strdup_printf (_("Possible duplicate of %s (%s, %s, created %s ago). Press Enter "
                           "again to create a new incident anyway, or add the report to %s as "
                           "a note in its timeline."),
                         bc_incident_get_number (duplicate),
                         bc_incident_type_label (bc_incident_get_incident_type (duplicate)),
                         bc_incident_get_address (duplicate), age,
                         bc_incident_get_number (duplicate));
      g_free (self->confirm_line);
      self->confirm_line = g_strdup (line);
      set_feedback (self, text, TRUE);
      return;
    }

  bc_incident_set_incident_type (draft, command->type);
  bc_incident_set_priority (draft, command->priority);
  bc_incident_set_location (draft, lat, lon);
  bc_incident_set_address (draft, address);
  if (command->text != NULL && command->text[0] != '\0')
    bc_incident_set_description (draft, command->text);

  set_busy (self, TRUE);
  bc_client_create_incident_async (self->client, draft, NULL, create_done_cb,
                                   run_data_new (self, NULL, NULL));
}

void
bk_command_line_run (BkCommandLine *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCommand) command = NULL;
  g_autofree char *line = NULL;
  guint start = 0, end = 0;

  g_return_if_fail (BK_IS_COMMAND_LINE (self));

  if (self->busy)
    return;

  gtk_popover_popdown (self->popover);
  line = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry)));
  command = bk_command_parse (line, &start, &end, &error);
  if (command == NULL)
    {
      set_feedback (self, error->message, TRUE);
      /* The word to blame is selected, ready to be typed over. */
      if (end > start)
        gtk_editable_select_region (GTK_EDITABLE (self->entry), (int) start, (int) end);
      return;
    }

  if (command->kind == BK_COMMAND_FIND)
    {
      set_feedback (self, NULL, FALSE);
      gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
      g_signal_emit (self, signals[FIND_REQUESTED], 0, command->text);
      return;
    }

  if (self->live_state == NULL || self->client == NULL)
    {
      set_feedback (self, _("Sign in first."), TRUE);
      return;
    }

  switch (command->kind)
    {
    case BK_COMMAND_DISPATCH:
      run_dispatch (self, command);
      break;
    case BK_COMMAND_STATUS:
      run_status (self, command);
      break;
    case BK_COMMAND_NEW:
      run_new (self, command, line);
      break;
    case BK_COMMAND_CLOSE:
      run_close (self, command);
      break;
    case BK_COMMAND_FIND:
    default:
      break;
    }
}

/* ---- completion --------------------------------------------------------------------------- */

static void
add_candidate (GPtrArray  *candidates,
               const char *word,
               const char *insert,
               const char *title,
               const char *detail)
{
  g_autofree char *folded_word = g_utf8_casefold (word, -1);
  g_autofree char *folded_insert = g_utf8_casefold (insert, -1);
  g_autofree char *folded_title = g_utf8_casefold (title, -1);
  Candidate *candidate;

  if (candidates->len >= MAX_COMPLETIONS)
    return;
  if (folded_word[0] != '\0' && !g_str_has_prefix (folded_insert, folded_word)
      && strstr (folded_title, folded_word) == NULL)
    return;
  /* The word is already complete: nothing to offer. */
  if (g_str_equal (folded_word, folded_insert))
    return;

  candidate = g_new0 (Candidate, 1);
  candidate->insert = g_strdup (insert);
  candidate->title = g_strdup (title);
  candidate->detail = g_strdup (detail);
  g_ptr_array_add (candidates, candidate);
}

static void
complete_incidents (BkCommandLine *self,
                    GPtrArray     *candidates,
                    const char    *word)
{
  g_autoptr(GDateTime) now = number_today ();
  g_autofree char *today = g_date_time_format (now, "JQ%Y%m%d");
  GListModel *incidents = bk_live_state_get_incidents (self->live_state);

  for (guint i = 0; i < g_list_model_get_n_items (incidents); i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (incidents, i);
      const char *number = bc_incident_get_number (incident);
      gboolean is_today = g_str_has_prefix (number, today);
      const char *insert = is_today ? number + strlen (number) - 4 : number;
      g_autofree char *detail = g_strdup_printf ("%s · %s · %s",
                                                 bc_incident_type_label (bc_incident_get_incident_type (incident)),
                                                 bc_incident_status_label (bc_incident_get_status (incident)),
                                                 bc_incident_get_address (incident));

      /* The last digits are what is typed; the full number matches too. */
      if (word[0] != '\0' && !g_str_has_prefix (insert, word) && strstr (number, word) == NULL)
        continue;
      add_candidate (candidates, "", insert, number, detail);
    }
}

static void
complete_units (BkCommandLine *self,
                GPtrArray     *candidates,
                const char    *word,
                gboolean       available_first)
{
  GListModel *units = bk_live_state_get_units (self->live_state);

  for (int pass = available_first ? 0 : 1; pass < 2; pass++)
    for (guint i = 0; i < g_list_model_get_n_items (units); i++)
      {
        g_autoptr(BcUnit) unit = g_list_model_get_item (units, i);
        gboolean available = bc_unit_get_status (unit) == BC_UNIT_STATUS_AVAILABLE;
        g_autofree char *detail = NULL;

        if (available_first && (pass == 0) != available)
          continue;
        detail = g_strdup_printf ("%s · %s", bc_unit_kind_label (bc_unit_get_kind (unit)),
                                  bc_unit_status_label (bc_unit_get_status (unit)));
        add_candidate (candidates, word, bc_unit_get_call_sign (unit),
                       bc_unit_get_call_sign (unit), detail);
      }
}

static void
update_completions (BkCommandLine *self)
{
  static const struct { const char *verb; const char *help; } verbs[] = {
    { "d", N_("dispatch: d INCIDENT UNIT [UNIT…]") },
    { "s", N_("unit status: s UNIT STATUS") },
    { "n", N_("new incident: n TYPE PRIORITY PLACE|LAT,LON [TEXT]") },
    { "f", N_("find: f TEXT") },
    { "c", N_("close: c INCIDENT CODE") },
  };
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  int cursor = gtk_editable_get_position (GTK_EDITABLE (self->entry));
  g_autofree char *word = NULL;
  BkCommandSlot slot;
  GtkWidget *child;

  g_ptr_array_set_size (self->candidates, 0);
  self->navigated = FALSE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);

  slot = bk_command_slot_at (text, (guint) MAX (cursor, 0), &self->word_start, &word);

  switch (slot)
    {
    case BK_COMMAND_SLOT_VERB:
      if (text[0] != '\0')
        for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
          if (word[0] == '\0' || g_str_has_prefix (verbs[i].verb, word))
            add_candidate (self->candidates, word, verbs[i].verb, verbs[i].verb, _(verbs[i].help));
      break;

    case BK_COMMAND_SLOT_INCIDENT:
      if (self->live_state != NULL)
        complete_incidents (self, self->candidates, word);
      break;

    case BK_COMMAND_SLOT_UNIT:
      if (self->live_state != NULL)
        complete_units (self, self->candidates, word, text[0] == 'd' || text[0] == 'D');
      break;

    case BK_COMMAND_SLOT_STATUS:
      {
        static const BcUnitStatus statuses[] = {
          BC_UNIT_STATUS_AVAILABLE, BC_UNIT_STATUS_EN_ROUTE, BC_UNIT_STATUS_ON_SCENE,
          BC_UNIT_STATUS_OFF_DUTY,
        };
        for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
          add_candidate (self->candidates, word, bc_unit_status_to_string (statuses[i]),
                         bc_unit_status_to_string (statuses[i]),
                         bc_unit_status_label (statuses[i]));
      }
      break;

    case BK_COMMAND_SLOT_TYPE:
      for (int t = BC_INCIDENT_TYPE_CRIMINAL; t <= BC_INCIDENT_TYPE_OTHER; t++)
        add_candidate (self->candidates, word, bc_incident_type_to_string ((BcIncidentType) t),
                       bc_incident_type_to_string ((BcIncidentType) t),
                       bc_incident_type_label ((BcIncidentType) t));
      break;

    case BK_COMMAND_SLOT_PRIORITY:
      {
        static const char * const help[] = {
          N_("Priority 1: life in danger, crime in progress"),
          N_("Priority 2: urgent"),
          N_("Priority 3: prompt"),
          N_("Priority 4: routine"),
        };
        for (guint p = 0; p < 4; p++)
          {
            char insert[2] = { (char) ('1' + p), '\0' };
            add_candidate (self->candidates, word, insert, insert, _(help[p]));
          }
      }
      break;

    case BK_COMMAND_SLOT_PLACE:
      if (word[0] != '\0')
        {
          g_autoptr(GPtrArray) places = bk_gazetteer_complete (bk_gazetteer_get_default (), word,
                                                               MAX_COMPLETIONS);
          for (guint i = 0; i < places->len; i++)
            {
              const BkPlace *place = g_ptr_array_index (places, i);
              g_autofree char *detail = g_strdup_printf ("%.5f, %.5f", place->lat, place->lon);
              /* Every place found contains the word, so no second filter. */
              add_candidate (self->candidates, "", place->name, place->name, detail);
            }
        }
      break;

    case BK_COMMAND_SLOT_DISPOSITION:
      for (guint i = 0; i < bk_disposition_get_n (); i++)
        add_candidate (self->candidates, word, bk_disposition_get_code (i),
                       bk_disposition_get_code (i), bk_disposition_get_label (i));
      break;

    case BK_COMMAND_SLOT_TEXT:
    case BK_COMMAND_SLOT_NONE:
    default:
      break;
    }

  for (guint i = 0; i < self->candidates->len; i++)
    {
      Candidate *candidate = g_ptr_array_index (self->candidates, i);
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      GtkWidget *title = gtk_label_new (candidate->title);
      GtkWidget *detail = gtk_label_new (candidate->detail);

      gtk_label_set_xalign (GTK_LABEL (title), 0.0f);
      gtk_widget_add_css_class (title, "heading");
      gtk_widget_add_css_class (title, "monospace");
      gtk_label_set_xalign (GTK_LABEL (detail), 0.0f);
      gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (detail, TRUE);
      gtk_widget_add_css_class (detail, "dim-label");
      gtk_box_append (GTK_BOX (box), title);
      gtk_box_append (GTK_BOX (box), detail);
      gtk_list_box_append (self->list, box);
    }

  if (self->candidates->len > 0 && gtk_widget_has_focus (GTK_WIDGET (self->entry)))
    {
      gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, 0));
      gtk_popover_popup (self->popover);
    }
  else
    gtk_popover_popdown (self->popover);
}

static gboolean
complete_idle_cb (gpointer user_data)
{
  BkCommandLine *self = user_data;

  self->complete_idle = 0;
  update_completions (self);
  return G_SOURCE_REMOVE;
}

static void
entry_changed_cb (BkCommandLine *self)
{
  /* The cursor has not moved yet while the text changes. */
  if (self->complete_idle == 0)
    self->complete_idle = g_idle_add (complete_idle_cb, self);
}

void
bk_command_line_complete (BkCommandLine *self,
                          guint          index)
{
  Candidate *candidate;
  g_autofree char *insert = NULL;
  int cursor;

  g_return_if_fail (BK_IS_COMMAND_LINE (self));

  if (index >= self->candidates->len)
    return;

  candidate = g_ptr_array_index (self->candidates, index);
  insert = g_strconcat (candidate->insert, " ", NULL);
  cursor = gtk_editable_get_position (GTK_EDITABLE (self->entry));
  gtk_editable_delete_text (GTK_EDITABLE (self->entry), (int) self->word_start, cursor);
  cursor = (int) self->word_start;
  gtk_editable_insert_text (GTK_EDITABLE (self->entry), insert, -1, &cursor);
  gtk_editable_set_position (GTK_EDITABLE (self->entry), cursor);
  g_clear_handle_id (&self->complete_idle, g_source_remove);
  update_completions (self);
}

static void
row_activated_cb (BkCommandLine *self,
                  GtkListBoxRow *row)
{
  bk_command_line_complete (self, (guint) gtk_list_box_row_get_index (row));
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
entry_activate_cb (BkCommandLine *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);

  if (self->navigated && row != NULL && gtk_widget_get_visible (GTK_WIDGET (self->popover)))
    {
      bk_command_line_complete (self, (guint) gtk_list_box_row_get_index (row));
      return;
    }

  bk_command_line_run (self);
}

static gboolean
entry_key_pressed_cb (BkCommandLine         *self,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      GtkEventControllerKey *controller)
{
  gboolean shown = gtk_widget_get_visible (GTK_WIDGET (self->popover))
                   && self->candidates->len > 0;
  GtkListBoxRow *row;
  int index;

  switch (keyval)
    {
    case GDK_KEY_Tab:
    case GDK_KEY_ISO_Left_Tab:
      if (!shown)
        return FALSE;
      row = gtk_list_box_get_selected_row (self->list);
      bk_command_line_complete (self, row != NULL ? (guint) gtk_list_box_row_get_index (row) : 0);
      return TRUE;

    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (!shown)
        return FALSE;
      row = gtk_list_box_get_selected_row (self->list);
      index = row != NULL ? gtk_list_box_row_get_index (row) : -1;
      index += (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down) ? 1 : -1;
      index = CLAMP (index, 0, (int) self->candidates->len - 1);
      gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, index));
      self->navigated = TRUE;
      return TRUE;

    case GDK_KEY_Escape:
      if (shown)
        {
          gtk_popover_popdown (self->popover);
          return TRUE;
        }
      if (gtk_editable_get_text (GTK_EDITABLE (self->entry))[0] != '\0' || self->feedback != NULL)
        {
          gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
          set_feedback (self, NULL, FALSE);
          return TRUE;
        }
      return FALSE;

    default:
      return FALSE;
    }
}

static void
entry_focus_leave_cb (BkCommandLine *self)
{
  gtk_popover_popdown (self->popover);
}

/* ---- public ------------------------------------------------------------------------------- */

void
bk_command_line_set_live_state (BkCommandLine *self,
                                BkLiveState   *live_state)
{
  g_return_if_fail (BK_IS_COMMAND_LINE (self));
  g_return_if_fail (live_state == NULL || BK_IS_LIVE_STATE (live_state));

  g_set_object (&self->live_state, live_state);
  g_clear_object (&self->client);
  if (live_state != NULL)
    self->client = g_object_ref (bk_live_state_get_client (live_state));
  g_clear_pointer (&self->confirm_line, g_free);
  set_feedback (self, NULL, FALSE);
}

void
bk_command_line_focus (BkCommandLine *self)
{
  g_return_if_fail (BK_IS_COMMAND_LINE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

void
bk_command_line_set_text (BkCommandLine *self,
                          const char    *text)
{
  g_return_if_fail (BK_IS_COMMAND_LINE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->entry), text != NULL ? text : "");
  gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
  g_clear_handle_id (&self->complete_idle, g_source_remove);
  update_completions (self);
}

const char *
bk_command_line_get_text (BkCommandLine *self)
{
  g_return_val_if_fail (BK_IS_COMMAND_LINE (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->entry));
}

gboolean
bk_command_line_get_busy (BkCommandLine *self)
{
  g_return_val_if_fail (BK_IS_COMMAND_LINE (self), FALSE);

  return self->busy;
}

const char *
bk_command_line_get_feedback (BkCommandLine *self,
                              gboolean      *is_error)
{
  g_return_val_if_fail (BK_IS_COMMAND_LINE (self), NULL);

  if (is_error != NULL)
    *is_error = self->feedback_error;
  return self->feedback;
}

guint
bk_command_line_get_n_completions (BkCommandLine *self)
{
  g_return_val_if_fail (BK_IS_COMMAND_LINE (self), 0);

  return self->candidates->len;
}

const char *
bk_command_line_get_completion (BkCommandLine *self,
                                guint          index)
{
  g_return_val_if_fail (BK_IS_COMMAND_LINE (self), NULL);

  if (index >= self->candidates->len)
    return NULL;
  return ((Candidate *) g_ptr_array_index (self->candidates, index))->insert;
}

/* ---- class -------------------------------------------------------------------------------- */

static void
bk_command_line_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  gtk_widget_measure (BK_COMMAND_LINE (widget)->box, orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static void
bk_command_line_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  BkCommandLine *self = BK_COMMAND_LINE (widget);

  gtk_widget_size_allocate (self->box, &(GtkAllocation) { 0, 0, width, height }, baseline);
  gtk_widget_set_size_request (GTK_WIDGET (self->popover), MIN (MAX (width - 40, 320), 640), -1);
  gtk_popover_present (self->popover);
}

static void
bk_command_line_dispose (GObject *object)
{
  BkCommandLine *self = BK_COMMAND_LINE (object);

  g_clear_handle_id (&self->complete_idle, g_source_remove);
  g_clear_object (&self->live_state);
  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_COMMAND_LINE);

  G_OBJECT_CLASS (bk_command_line_parent_class)->dispose (object);
}

static void
bk_command_line_finalize (GObject *object)
{
  BkCommandLine *self = BK_COMMAND_LINE (object);

  g_clear_pointer (&self->candidates, g_ptr_array_unref);
  g_free (self->feedback);
  g_free (self->confirm_line);

  G_OBJECT_CLASS (bk_command_line_parent_class)->finalize (object);
}

static void
bk_command_line_class_init (BkCommandLineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bk_command_line_dispose;
  object_class->finalize = bk_command_line_finalize;
  widget_class->measure = bk_command_line_measure;
  widget_class->size_allocate = bk_command_line_size_allocate;

  signals[FIND_REQUESTED] =
    g_signal_new ("find-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[INCIDENT_CREATED] =
    g_signal_new ("incident-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, BC_TYPE_INCIDENT);
  signals[DISPATCHED] =
    g_signal_new ("dispatched", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, BC_TYPE_ORDER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/cn/jingmen/Beacon/bk-command-line.ui");
  gtk_widget_class_bind_template_child (widget_class, BkCommandLine, box);
  gtk_widget_class_bind_template_child (widget_class, BkCommandLine, entry);
  gtk_widget_class_bind_template_child (widget_class, BkCommandLine, spinner);
  gtk_widget_class_bind_template_child (widget_class, BkCommandLine, feedback_label);
  gtk_widget_class_bind_template_child (widget_class, BkCommandLine, popover);
  gtk_widget_class_bind_template_child (widget_class, BkCommandLine, list);
  gtk_widget_class_bind_template_callback (widget_class, entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_key_pressed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_focus_leave_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);

  gtk_widget_class_set_css_name (widget_class, "bk-command-line");
}

static void
bk_command_line_init (BkCommandLine *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
}

BkCommandLine *
bk_command_line_new (void)
{
  return g_object_new (BK_TYPE_COMMAND_LINE, NULL);
}
