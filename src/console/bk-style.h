/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Adds the style sheet at @resource_path to @display once, however many widgets ask for it.
 * GTK 4.8 has no per-window style sheets, so a window's own sheet goes to the display and
 * scopes its rules with a style class of that window. */
void bk_style_add_sheet (GdkDisplay *display,
                         const char *resource_path,
                         guint       priority);

G_END_DECLS
