/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bc-client.h"

G_BEGIN_DECLS

/* BkDemo: `beacon --demo`. Runs beacon-server's demo (bs-demo.h: fresh database, scenario,
 * simulator, demo accounts) in its own thread on its own GMainContext, so the console's main
 * loop never waits for the server, signs in as the trainer and gives the window the live
 * situation and the trainer panel. bk_demo_stop() shuts the server down and joins the thread. */

#define BK_TYPE_DEMO (bk_demo_get_type ())

G_DECLARE_FINAL_TYPE (BkDemo, bk_demo, BK, DEMO, GObject)

/* The default scenario: BEACON_DATADIR, then PKGDATADIR, then the source tree's data/. NULL
 * when none has scenarios/jingmen-training.json. */
char       *bk_demo_find_scenario     (void);

/* @speed is rounded to the nearest speed the simulator offers (1, 2, 5, 10, 30). */
BkDemo     *bk_demo_new               (const char          *scenario_path,
                                       double               speed,
                                       guint64              seed);

/* Starts the server in its thread now (once), so that it loads while GTK starts up. */
void        bk_demo_start             (BkDemo              *self);
void        bk_demo_start_async       (BkDemo              *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean    bk_demo_start_finish      (BkDemo              *self,
                                       GAsyncResult        *result,
                                       GError             **error);

/* Starts the server if bk_demo_start() has not, signs in as the trainer and attaches the client and a BkTrainerPanel to
 * @window (a BkWindow); prints the server address and the demo accounts on stdout. Errors
 * are shown in the window. */
void        bk_demo_open_window       (BkDemo              *self,
                                       GtkWidget           *window);

/* "http://127.0.0.1:PORT" once started, else NULL. */
const char *bk_demo_get_base_uri      (BkDemo              *self);
/* The address and the demo accounts with their passwords, as printed. */
char       *bk_demo_describe          (BkDemo              *self);
/* Milliseconds from process start to the first painted map that shows units; -1 until then. */
double      bk_demo_get_first_map_ms  (BkDemo              *self);

/* Shuts the embedded server down (lets requests finish, closes event sockets) and waits for
 * its thread; at most about 3 s. Safe to call twice. */
void        bk_demo_stop              (BkDemo              *self);

G_END_DECLS
