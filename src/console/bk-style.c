/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-style.h"

void
bk_style_add_sheet (GdkDisplay *display,
                    const char *resource_path,
                    guint       priority)
{
  g_autofree char *key = NULL;
  g_autoptr(GtkCssProvider) provider = NULL;

  g_return_if_fail (resource_path != NULL);

  if (display == NULL)
    return;

  /* The display keeps the provider, under the sheet's own name. */
  key = g_strconcat ("bk-style-sheet:", resource_path, NULL);
  if (g_object_get_data (G_OBJECT (display), key) != NULL)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, resource_path);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider), priority);
  g_object_set_data_full (G_OBJECT (display), key, g_steal_pointer (&provider), g_object_unref);
}
