/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include <glib/gi18n.h>
#include <shumate/shumate.h>

#include "bk-window.h"

struct _BkWindow
{
  AdwApplicationWindow parent_instance;

  AdwWindowTitle *window_title;
  ShumateSimpleMap *map;
};

G_DEFINE_FINAL_TYPE (BkWindow, bk_window, ADW_TYPE_APPLICATION_WINDOW)

static void
bk_window_class_init (BkWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/cn/jingmen/Beacon/bk-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BkWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, BkWindow, map);
}

static void
bk_window_init (BkWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

BkWindow *
bk_window_new (BkApplication *application)
{
  return g_object_new (BK_TYPE_WINDOW, "application", application, NULL);
}
