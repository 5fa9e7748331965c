/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BK_TYPE_PREFERENCES (bk_preferences_get_type ())

G_DECLARE_FINAL_TYPE (BkPreferences, bk_preferences, BK, PREFERENCES, AdwPreferencesWindow)

/* The console's preferences: base map source (schematic, XYZ template, MBTiles pack), map
 * layers and the dispatch deadlines per priority. Every row is bound to @settings
 * (schema cn.jingmen.Beacon), so changes apply at once. */
BkPreferences *bk_preferences_new (GtkWindow *parent,
                                   GSettings *settings);

G_END_DECLS
