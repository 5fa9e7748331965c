/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "bk-live-state.h"

G_BEGIN_DECLS

/* What a unit made of an order, as the panel shows it. PENDING is a dispatch that waits in the
 * console's outbox (待发送); CONFLICT is one the server refused when the outbox replayed it. */
typedef enum
{
  BK_ORDER_LINE_NONE,
  BK_ORDER_LINE_PENDING,
  BK_ORDER_LINE_SENT,
  BK_ORDER_LINE_ACKNOWLEDGED,
  BK_ORDER_LINE_REFUSED,
  BK_ORDER_LINE_CONFLICT,
} BkOrderLineState;

#define BK_TYPE_DISPATCH_PANEL (bk_dispatch_panel_get_type ())

G_DECLARE_FINAL_TYPE (BkDispatchPanel, bk_dispatch_panel, BK, DISPATCH_PANEL, GtkWidget)

/* "1+N" dispatch for one incident: the server's recommendations (nearest available units by
 * estimated arrival), check one or N of them, instructions, send (Ctrl+Enter in the window).
 * For a new incident the best unit is checked as soon as the recommendations arrive, so that
 * selecting the incident and pressing Ctrl+Enter dispatches it.
 *
 * Below, every order of the incident with each unit's state, kept current from order.*
 * events; dispatches waiting in the outbox show as pending. A refused dispatch (a unit taken
 * meanwhile) shows the server's message and the recommendations are loaded again.
 *
 * Signals: ::dispatched (BcOrder) when the server accepted an order from this panel,
 * ::queued (gint64 incident id) when one went to the outbox, ::unit-selected (gint64 unit id)
 * when a unit's row is selected in the orders list. */

BkDispatchPanel  *bk_dispatch_panel_new                 (void);
void              bk_dispatch_panel_set_live_state      (BkDispatchPanel  *self,
                                                         BkLiveState      *live_state);

/* The incident to dispatch (NULL: none). A live incident stays current by itself. */
void              bk_dispatch_panel_set_incident        (BkDispatchPanel  *self,
                                                         BcIncident       *incident);
BcIncident       *bk_dispatch_panel_get_incident        (BkDispatchPanel  *self);

/* Sends the order to the checked units. When the recommendations are still loading and
 * nothing is checked yet, the order goes as soon as they arrive (with the best unit).
 * Returns FALSE, with a message in the panel, when there is nothing to send. */
gboolean          bk_dispatch_panel_send                (BkDispatchPanel  *self);
void              bk_dispatch_panel_refresh             (BkDispatchPanel  *self);
void              bk_dispatch_panel_focus_instructions  (BkDispatchPanel  *self);
void              bk_dispatch_panel_set_instructions    (BkDispatchPanel  *self,
                                                         const char       *text);

/* Recommendations, best first. */
guint             bk_dispatch_panel_get_n_recommendations (BkDispatchPanel *self);
gint64            bk_dispatch_panel_get_recommendation  (BkDispatchPanel  *self,
                                                         guint             index);
void              bk_dispatch_panel_set_checked         (BkDispatchPanel  *self,
                                                         gint64            unit_id,
                                                         gboolean          checked);
gboolean          bk_dispatch_panel_get_checked         (BkDispatchPanel  *self,
                                                         gint64            unit_id);
/* TRUE while recommendations load or an order is being sent. */
gboolean          bk_dispatch_panel_get_busy            (BkDispatchPanel  *self);

/* The newest state of @unit_id in this incident's orders (and the outbox). */
BkOrderLineState  bk_dispatch_panel_get_unit_state      (BkDispatchPanel  *self,
                                                         gint64            unit_id);
/* The text of that state as shown ("Pending", "Acknowledged", …), or NULL. */
const char       *bk_dispatch_panel_get_unit_state_text (BkDispatchPanel  *self,
                                                         gint64            unit_id);
/* The message shown above the recommendations (an error, or "queued"), or NULL. */
const char       *bk_dispatch_panel_get_message         (BkDispatchPanel  *self);

/* Lifecycle commands for the shown incident, through the outbox. @status: en_route or
 * on_scene. Close asks for a disposition code first; cancel asks for confirmation. */
void              bk_dispatch_panel_set_incident_status (BkDispatchPanel  *self,
                                                         BcIncidentStatus  status);
void              bk_dispatch_panel_close_incident      (BkDispatchPanel  *self,
                                                         const char       *disposition);
void              bk_dispatch_panel_cancel_incident     (BkDispatchPanel  *self);
/* Opens the close dialog (disposition list) / the cancel confirmation. */
void              bk_dispatch_panel_ask_close           (BkDispatchPanel  *self);
void              bk_dispatch_panel_ask_cancel          (BkDispatchPanel  *self);

/* Names the ETA and distance the way the panel does. */
char             *bk_dispatch_panel_format_eta          (double            eta_s);

G_END_DECLS
