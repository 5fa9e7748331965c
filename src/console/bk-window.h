/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "bk-application.h"
#include "bk-dispatch-desk.h"
#include "bk-find-bar.h"
#include "bk-live-state.h"
#include "bk-login-dialog.h"
#include "bk-map-view.h"
#include "bk-side-panel.h"

G_BEGIN_DECLS

#define BK_TYPE_WINDOW (bk_window_get_type ())

G_DECLARE_FINAL_TYPE (BkWindow, bk_window, BK, WINDOW, AdwApplicationWindow)

/* The console's main window: the one map in the centre, the selected object's details in a
 * side panel on the right, find (Ctrl+F), connection state, user and clock in the header.
 * Without a session it shows the sign-in dialog over itself. */

BkWindow      *bk_window_new                 (BkApplication *application);

/* Shows the sign-in dialog (it is shown by itself when the window is first mapped). */
void           bk_window_show_login          (BkWindow      *self);
/* The sign-in dialog while it is open, else NULL. */
BkLoginDialog *bk_window_get_login_dialog    (BkWindow      *self);

/* NULL until signed in. */
BcClient      *bk_window_get_client          (BkWindow      *self);
BkLiveState   *bk_window_get_live_state      (BkWindow      *self);

BkMapView     *bk_window_get_map_view        (BkWindow      *self);
BkSidePanel   *bk_window_get_side_panel      (BkWindow      *self);
/* The incident queue, dispatch panel, timeline and command line (left of the map). */
BkDispatchDesk *bk_window_get_dispatch_desk  (BkWindow      *self);
BkFindBar     *bk_window_get_find_bar        (BkWindow      *self);
/* Whether the side panel is revealed. */
gboolean       bk_window_get_panel_revealed  (BkWindow      *self);
/* The text of the connection state in the header ("Connected", "Reconnecting in 3 s", …). */
const char    *bk_window_get_connection_text (BkWindow      *self);
const char    *bk_window_get_clock_text      (BkWindow      *self);

/* Signs the window in with @client without the dialog (beacon --demo), or out with NULL. */
void           bk_window_set_client          (BkWindow      *self,
                                              BcClient      *client);
/* Shows @panel (the trainer panel of beacon --demo) in a bar under the header; NULL removes it. */
void           bk_window_set_trainer_panel   (BkWindow      *self,
                                              GtkWidget     *panel);
GtkWidget     *bk_window_get_trainer_panel   (BkWindow      *self);
/* The analysis view (win.analysis, Ctrl+Shift+A) while it is open, else NULL. */
GtkWindow     *bk_window_get_analysis_window (BkWindow      *self);

G_END_DECLS
