/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bk-live-state.h"

G_BEGIN_DECLS

#define BK_TYPE_TIMELINE (bk_timeline_get_type ())

G_DECLARE_FINAL_TYPE (BkTimeline, bk_timeline, BK, TIMELINE, GtkWidget)

/* One incident's history, oldest first: created, each order (which units, by whom), each
 * unit's acknowledgement or refusal, en route, on scene, closed or cancelled (with the
 * disposition), and the narrative notes with their author. Every entry shows its time, the
 * time since the call (T+) and the time since the entry before it. An entry at the bottom
 * adds a note (through the outbox). It follows the incident, order.* and note.added events. */

BkTimeline  *bk_timeline_new             (void);
void         bk_timeline_set_live_state  (BkTimeline  *self,
                                          BkLiveState *live_state);
void         bk_timeline_set_incident    (BkTimeline  *self,
                                          BcIncident  *incident);
void         bk_timeline_focus_note      (BkTimeline  *self);
/* Adds a note to the shown incident; FALSE when there is none or @text is empty. */
gboolean     bk_timeline_add_note        (BkTimeline  *self,
                                          const char  *text);

/* The entries in display order, for tests: "KIND: TITLE", KIND one of created, order, ack,
 * refused, en_route, on_scene, closed, cancelled, note. */
guint        bk_timeline_get_n_entries   (BkTimeline  *self);
char        *bk_timeline_dup_entry       (BkTimeline  *self,
                                          guint        index);

G_END_DECLS
