/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bk-live-state.h"

G_BEGIN_DECLS

#define BK_TYPE_COMMAND_LINE (bk_command_line_get_type ())

G_DECLARE_FINAL_TYPE (BkCommandLine, bk_command_line, BK, COMMAND_LINE, GtkWidget)

/* The dispatcher's command line (Ctrl+L or /): the commands of bk-command-parser.h, with
 * completion of command words, incident numbers (or their last 4 digits), call signs,
 * statuses, types, places and disposition codes in a popover (Tab or ↑/↓ and Enter), and
 * every error explained right under the line. Commands go through the outbox like those of
 * the panels.
 *
 * Signals: ::find-requested (const char *text), ::incident-created (BcIncident),
 * ::dispatched (BcOrder). */

BkCommandLine *bk_command_line_new             (void);
void           bk_command_line_set_live_state  (BkCommandLine *self,
                                                BkLiveState   *live_state);

/* Focuses the line (Ctrl+L). */
void           bk_command_line_focus           (BkCommandLine *self);
void           bk_command_line_set_text        (BkCommandLine *self,
                                                const char    *text);
const char    *bk_command_line_get_text        (BkCommandLine *self);
/* Runs the line, as Enter does. */
void           bk_command_line_run             (BkCommandLine *self);
/* TRUE while a command waits for the server. */
gboolean       bk_command_line_get_busy        (BkCommandLine *self);
/* The message under the line and whether it is an error. */
const char    *bk_command_line_get_feedback    (BkCommandLine *self,
                                                gboolean      *is_error);

/* Completion of the word at the cursor. */
guint          bk_command_line_get_n_completions (BkCommandLine *self);
/* The text a completion would insert. */
const char    *bk_command_line_get_completion  (BkCommandLine *self,
                                                guint          index);
void           bk_command_line_complete        (BkCommandLine *self,
                                                guint          index);

G_END_DECLS
