/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define BK_TYPE_APPLICATION (bk_application_get_type ())

G_DECLARE_FINAL_TYPE (BkApplication, bk_application, BK, APPLICATION, AdwApplication)

/* The command-line options of `beacon`. Only server_url is acted on by the console itself so
 * far; the others are kept for the modes that use them (--demo, --wall). */
typedef struct
{
  char    *server_url;   /* --server URL: overrides the remembered server address */
  gboolean demo;         /* --demo: embedded server with the training scenario */
  gboolean wall;         /* --wall: read-only situation display for the video wall */
  int      monitor;      /* --monitor N: the monitor for --wall; -1 when not given */
  char    *scenario;     /* --scenario FILE */
  double   speed;        /* --speed N: simulation speed factor; 0 when not given */
  gint64   seed;         /* --seed N */
  gboolean has_seed;
} BkOptions;

BkApplication   *bk_application_new          (void);

const BkOptions *bk_application_get_options  (BkApplication *self);
/* The console's settings (schema cn.jingmen.Beacon). */
GSettings       *bk_application_get_settings (BkApplication *self);
/* The process's one SoupSession. */
SoupSession     *bk_application_get_session  (BkApplication *self);
/* The embedded training server of --demo (a BkDemo, bk-demo.h), else NULL. */
GObject         *bk_application_get_demo     (BkApplication *self);

G_END_DECLS
