/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bk-live-state.h"

G_BEGIN_DECLS

typedef enum
{
  BK_QUEUE_FILTER_OPEN,   /* every open incident */
  BK_QUEUE_FILTER_MINE,   /* open incidents this seat created or sent an order for */
  BK_QUEUE_FILTER_ALL,    /* open ones and those closed or cancelled recently */
} BkQueueFilter;

#define BK_TYPE_QUEUE_FILTER (bk_queue_filter_get_type ())
GType bk_queue_filter_get_type (void) G_GNUC_CONST;

#define BK_TYPE_INCIDENT_QUEUE (bk_incident_queue_get_type ())

G_DECLARE_FINAL_TYPE (BkIncidentQueue, bk_incident_queue, BK, INCIDENT_QUEUE, GtkWidget)

/* The incident queue: a sortable table of the live state's incidents (priority, number, type,
 * address, status, age, units), filtered open / mine / all. Undispatched incidents come first,
 * then by priority and age, unless a column heading is clicked.
 *
 * A new priority 1 or 2 incident rings the bell and stays highlighted until someone selects
 * it; an incident still undispatched after its priority's deadline (settings
 * overdue-pN-seconds) turns red. One 1 s timer updates the age cells of the rows on screen
 * and nothing else.
 *
 * Signals: ::incident-selected (gint64 id, 0 when none), ::incident-activated (gint64 id) on
 * Enter or a double click. */

BkIncidentQueue *bk_incident_queue_new             (void);
void             bk_incident_queue_set_live_state  (BkIncidentQueue *self,
                                                    BkLiveState     *live_state);
void             bk_incident_queue_set_settings    (BkIncidentQueue *self,
                                                    GSettings       *settings);

BkQueueFilter    bk_incident_queue_get_filter      (BkIncidentQueue *self);
void             bk_incident_queue_set_filter      (BkIncidentQueue *self,
                                                    BkQueueFilter    filter);
/* Counts @id as this seat's (the "Mine" filter). */
void             bk_incident_queue_mark_mine       (BkIncidentQueue *self,
                                                    gint64           id);
gboolean         bk_incident_queue_is_mine         (BkIncidentQueue *self,
                                                    gint64           id);

/* The rows as shown: filtered and sorted BcIncident. */
GListModel      *bk_incident_queue_get_model       (BkIncidentQueue *self);
/* The incident behind a shown row, live or recently closed (not owned), or NULL. */
BcIncident      *bk_incident_queue_lookup          (BkIncidentQueue *self,
                                                    gint64           id);

gint64           bk_incident_queue_get_selected    (BkIncidentQueue *self);
/* Selects the row of @id (0 clears the selection) and scrolls to it. FALSE when the current
 * filter does not show it. */
gboolean         bk_incident_queue_select          (BkIncidentQueue *self,
                                                    gint64           id);
/* Selects the row above (-1) or below (+1) the selected one. */
void             bk_incident_queue_move_selection  (BkIncidentQueue *self,
                                                    int              delta);
void             bk_incident_queue_focus           (BkIncidentQueue *self);

/* Whether @incident is past its dispatch deadline now. */
gboolean         bk_incident_queue_is_overdue      (BkIncidentQueue *self,
                                                    BcIncident      *incident);
/* How many times a new incident rang the bell. */
guint            bk_incident_queue_get_n_alerts    (BkIncidentQueue *self);

/* The widget of a cell on screen, for tests: @column is "priority", "number", "type",
 * "address", "status", "age" or "units". NULL when that row is not on screen. */
GtkWidget       *bk_incident_queue_get_cell        (BkIncidentQueue *self,
                                                    gint64           id,
                                                    const char      *column);

G_END_DECLS
