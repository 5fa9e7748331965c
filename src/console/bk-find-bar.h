/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bk-live-state.h"

G_BEGIN_DECLS

#define BK_TYPE_FIND_BAR (bk_find_bar_get_type ())

G_DECLARE_FINAL_TYPE (BkFindBar, bk_find_bar, BK, FIND_BAR, GtkWidget)

/* A search entry with a popover of matches: incidents by number or address, units by call
 * sign or station, cameras by name or device code (those loaded so far). Activating a match
 * (click, or Enter for the first one) emits ::activated (BkObjectKind kind, const char *id),
 * the id of an incident or unit in decimal. */

BkFindBar *bk_find_bar_new            (void);
void       bk_find_bar_set_live_state (BkFindBar   *self,
                                       BkLiveState *live_state);
/* Focuses the entry and selects its text (Ctrl+F). */
void       bk_find_bar_focus          (BkFindBar   *self);
void       bk_find_bar_set_text       (BkFindBar   *self,
                                       const char  *text);
guint      bk_find_bar_get_n_matches  (BkFindBar   *self);
/* Activates match @index (0: the best); FALSE when there is no such match. */
gboolean   bk_find_bar_activate_match (BkFindBar   *self,
                                       guint        index);

G_END_DECLS
