/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include <glib/gi18n.h>
#include <shumate/shumate.h>

#include "bk-application.h"
#include "bk-window.h"

struct _BkApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (BkApplication, bk_application, ADW_TYPE_APPLICATION)

static void
bk_application_activate (GApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    window = GTK_WINDOW (bk_window_new (BK_APPLICATION (application)));

  gtk_window_present (window);
}

static void
bk_application_startup (GApplication *application)
{
  G_APPLICATION_CLASS (bk_application_parent_class)->startup (application);

  /* The template names ShumateSimpleMap; make sure the type exists before it is parsed. */
  g_type_ensure (SHUMATE_TYPE_SIMPLE_MAP);
}

static void
bk_application_class_init (BkApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = bk_application_activate;
  app_class->startup = bk_application_startup;
}

static void
bk_application_init (BkApplication *self)
{
}

BkApplication *
bk_application_new (void)
{
  return g_object_new (BK_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/cn/jingmen/Beacon",
                       NULL);
}
