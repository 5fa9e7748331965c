/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "bk-live-state.h"
#include "bk-map-view.h"

G_BEGIN_DECLS

/* An open incident of the same type this close in space and time is probably the same event
 * reported again (several callers for one accident). */
#define BK_DUPLICATE_RADIUS_M  200.0
#define BK_DUPLICATE_WINDOW_S  (10 * 60)

/* The open incident of @type within BK_DUPLICATE_RADIUS_M of (@lat, @lon) created at most
 * BK_DUPLICATE_WINDOW_S before @now_us (the nearest if several), or NULL. Not owned. */
BcIncident *bk_find_duplicate_incident (BkLiveState    *live_state,
                                        BcIncidentType  type,
                                        double          lat,
                                        double          lon,
                                        gint64          now_us);

#define BK_TYPE_NEW_INCIDENT_DIALOG (bk_new_incident_dialog_get_type ())

G_DECLARE_FINAL_TYPE (BkNewIncidentDialog, bk_new_incident_dialog, BK, NEW_INCIDENT_DIALOG,
                      AdwWindow)

/* The form a call-taker fills in for a new incident (Ctrl+N): type, priority, place, caller,
 * description. The location comes from a place name (with completion from the gazetteer),
 * typed coordinates, or a click on the map ("Pick on Map"). Fields are checked as they are
 * typed, with the model codec's own validators. Before creating, an open incident of the
 * same type within 200 m and 10 minutes is offered instead: "Add as a note to JQ…".
 *
 * Signals: ::created (BcIncident) when the server created it, ::note-added (gint64 incident)
 * when the report went to an existing incident as a note. The dialog closes itself then. */

BkNewIncidentDialog *bk_new_incident_dialog_new          (GtkWindow           *parent,
                                                          BkLiveState         *live_state,
                                                          BkMapView           *map_view);

/* Field setters, as typing would (for the command line and tests). */
void        bk_new_incident_dialog_set_incident_type     (BkNewIncidentDialog *self,
                                                          BcIncidentType       type);
void        bk_new_incident_dialog_set_priority          (BkNewIncidentDialog *self,
                                                          int                  priority);
void        bk_new_incident_dialog_set_place             (BkNewIncidentDialog *self,
                                                          const char          *text);
void        bk_new_incident_dialog_set_coordinates       (BkNewIncidentDialog *self,
                                                          const char          *text);
void        bk_new_incident_dialog_set_caller            (BkNewIncidentDialog *self,
                                                          const char          *name,
                                                          const char          *phone);
void        bk_new_incident_dialog_set_description       (BkNewIncidentDialog *self,
                                                          const char          *text);
/* Starts picking the location on the map. */
void        bk_new_incident_dialog_pick_on_map           (BkNewIncidentDialog *self);
gboolean    bk_new_incident_dialog_get_location          (BkNewIncidentDialog *self,
                                                          double              *lat,
                                                          double              *lon);

/* Creates (the Create button). When a duplicate is found first, it is shown and nothing is
 * created; a second call creates anyway. Returns FALSE when a field is invalid. */
gboolean    bk_new_incident_dialog_submit                (BkNewIncidentDialog *self);
/* Adds the report to the duplicate as a note instead. */
gboolean    bk_new_incident_dialog_add_to_duplicate      (BkNewIncidentDialog *self);
/* The duplicate shown, or NULL. */
BcIncident *bk_new_incident_dialog_get_duplicate         (BkNewIncidentDialog *self);
/* The inline message of a field ("type", "priority", "place", "location", "caller-name",
 * "caller-phone", "description") or of the form ("form"), NULL when there is none. */
const char *bk_new_incident_dialog_get_field_error       (BkNewIncidentDialog *self,
                                                          const char          *field);
gboolean    bk_new_incident_dialog_get_busy              (BkNewIncidentDialog *self);

G_END_DECLS
