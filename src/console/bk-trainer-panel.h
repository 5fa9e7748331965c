/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bc-client.h"
#include "bk-map-view.h"

G_BEGIN_DECLS

#define BK_TYPE_TRAINER_PANEL (bk_trainer_panel_get_type ())

G_DECLARE_FINAL_TYPE (BkTrainerPanel, bk_trainer_panel, BK, TRAINER_PANEL, GtkWidget)

/* The trainer's bar of a training run: play / pause, speed, reset, inject an incident at a
 * place picked on the map, the scenario clock (from `sim.state` events) and the after-action
 * report (GET /sim/report). Every control goes to the server (POST /sim/control); the panel
 * shows what the server says back, so two trainer consoles stay in step.
 *
 * Actions: trainer.play, trainer.pause, trainer.reset, trainer.pick (stateful: pick mode),
 * trainer.report. The click of pick mode is the GtkGestureClick named "bk-trainer-pick" on
 * the map view. */

GtkWidget  *bk_trainer_panel_new            (BcClient       *client,
                                             BkMapView      *map_view);

/* From the last sim.state seen. */
gboolean    bk_trainer_panel_get_playing    (BkTrainerPanel *self);
guint       bk_trainer_panel_get_speed      (BkTrainerPanel *self);
const char *bk_trainer_panel_get_clock_text (BkTrainerPanel *self);
/* Chooses a speed (1, 2, 5, 10, 30) as the speed menu does. */
void        bk_trainer_panel_set_speed      (BkTrainerPanel *self,
                                             guint           speed);
/* Chooses the type and priority of the next injected incident. */
void        bk_trainer_panel_set_inject     (BkTrainerPanel *self,
                                             BcIncidentType  type,
                                             int             priority);
/* How many control requests are waiting for the server's answer (tests wait for 0). */
guint       bk_trainer_panel_get_n_pending  (BkTrainerPanel *self);
/* The report window while it is open, else NULL. */
GtkWindow  *bk_trainer_panel_get_report_window (BkTrainerPanel *self);

G_END_DECLS
