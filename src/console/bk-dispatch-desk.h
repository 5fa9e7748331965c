/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bk-command-line.h"
#include "bk-dispatch-panel.h"
#include "bk-find-bar.h"
#include "bk-incident-queue.h"
#include "bk-live-state.h"
#include "bk-map-view.h"
#include "bk-new-incident-dialog.h"
#include "bk-timeline.h"

G_BEGIN_DECLS

#define BK_TYPE_DISPATCH_DESK (bk_dispatch_desk_get_type ())

G_DECLARE_FINAL_TYPE (BkDispatchDesk, bk_dispatch_desk, BK, DISPATCH_DESK, GtkWidget)

/* The dispatcher's side of the main window: the incident queue, the dispatch panel and the
 * timeline of the selected incident, and the command line. It keeps the queue's selection
 * and the map's in step (properties map-view and find-bar name the window's), owns the
 * keyboard shortcuts of the dispatch workflow (window-wide: Ctrl+Enter sends wherever the
 * focus is), and opens the console's outbox (a SQLite file in the user data folder) for the
 * client of the live state it is given, so that commands survive a lost server and a
 * restarted console. */

BkDispatchDesk      *bk_dispatch_desk_new                  (void);
void                 bk_dispatch_desk_set_live_state       (BkDispatchDesk *self,
                                                            BkLiveState    *live_state);
BkLiveState         *bk_dispatch_desk_get_live_state       (BkDispatchDesk *self);
void                 bk_dispatch_desk_set_settings         (BkDispatchDesk *self,
                                                            GSettings      *settings);

/* The outbox file; the default is $XDG_DATA_HOME/beacon/outbox.sqlite. Set it before the live
 * state. */
void                 bk_dispatch_desk_set_outbox_path      (BkDispatchDesk *self,
                                                            const char     *path);
const char          *bk_dispatch_desk_get_outbox_path      (BkDispatchDesk *self);

BkIncidentQueue     *bk_dispatch_desk_get_queue            (BkDispatchDesk *self);
BkDispatchPanel     *bk_dispatch_desk_get_panel            (BkDispatchDesk *self);
BkTimeline          *bk_dispatch_desk_get_timeline         (BkDispatchDesk *self);
BkCommandLine       *bk_dispatch_desk_get_command_line     (BkDispatchDesk *self);

/* Opens the new-incident form (Ctrl+N); the one already open is presented again. */
BkNewIncidentDialog *bk_dispatch_desk_new_incident         (BkDispatchDesk *self);
BkNewIncidentDialog *bk_dispatch_desk_get_new_incident_dialog (BkDispatchDesk *self);

/* The unit the unit-status keys act on: the last one selected on the map or in the orders. */
gint64               bk_dispatch_desk_get_selected_unit    (BkDispatchDesk *self);

/* The window-wide shortcuts, for the shortcuts window and tests: the action a trigger
 * ("<Control>Return") runs, or NULL. */
const char          *bk_dispatch_desk_lookup_shortcut      (BkDispatchDesk *self,
                                                            const char     *trigger);
/* Runs what the shortcut @trigger runs, as the key press would. FALSE when none. */
gboolean             bk_dispatch_desk_activate_shortcut    (BkDispatchDesk *self,
                                                            const char     *trigger);

G_END_DECLS
