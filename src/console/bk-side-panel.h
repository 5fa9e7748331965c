/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bk-live-state.h"

G_BEGIN_DECLS

#define BK_TYPE_SIDE_PANEL (bk_side_panel_get_type ())

G_DECLARE_FINAL_TYPE (BkSidePanel, bk_side_panel, BK, SIDE_PANEL, GtkWidget)

/* The details of the selected incident, unit or camera. It follows the live state, so the
 * shown object stays current. For an incident it lists the assigned units and the cameras
 * within 300 m; any camera's stream can be opened in the panel's video view.
 *
 * Signals: ::close-requested when the user dismisses the panel, ::unit-activated (gint64 id)
 * when a unit in an incident's list is activated. */

BkSidePanel *bk_side_panel_new            (void);
void         bk_side_panel_set_live_state (BkSidePanel *self,
                                           BkLiveState *live_state);
/* Whether the signed-in role may see caller details (dispatchers and trainers). */
void         bk_side_panel_set_show_caller (BkSidePanel *self,
                                            gboolean     show_caller);

void         bk_side_panel_show_incident  (BkSidePanel *self,
                                           gint64       id);
void         bk_side_panel_show_unit      (BkSidePanel *self,
                                           gint64       id);
void         bk_side_panel_show_camera    (BkSidePanel *self,
                                           const char  *id);
void         bk_side_panel_clear          (BkSidePanel *self);

/* The heading of what is shown (incident number, call sign or camera name), "" when empty. */
const char  *bk_side_panel_get_title      (BkSidePanel *self);
/* Starts playing @uri in the panel's video view; a clear message replaces the picture when
 * there is no media backend or the stream cannot be opened. */
void         bk_side_panel_play_stream    (BkSidePanel *self,
                                           const char  *name,
                                           const char  *uri);
/* The message shown instead of the video, or NULL while the video plays. */
const char  *bk_side_panel_get_video_error (BkSidePanel *self);

G_END_DECLS
