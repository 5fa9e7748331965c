/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsEventHub: fans committed events out to WebSocket subscribers.
 *
 * A subscriber first replays the log after its `since` seq, one page at a time, then follows
 * live events. The hub hears of committed events from the store's commit hook, reads them back
 * from the log once, serialises each at most twice (in full and with personal data masked) and
 * sends the same text to every subscriber. Replay keeps reading the log until it has reached the
 * hub's last announced seq and only then switches the subscriber to live, all on one thread, so
 * there is neither a gap nor a duplicate between the two and nothing is buffered per subscriber.
 *
 * Flow control: clients acknowledge with {"ack":SEQ}. A subscriber with more than
 * `slow-max-pending` events sent but not acknowledged, or with events pending and no ack for
 * `slow-ack-timeout` seconds, is closed with code 4000 and reason "too slow: resync from seq N"
 * (N = its last acknowledged seq). Sending never blocks, so a stuck peer only costs its own
 * bounded queue. Replay sends at most half that window before it waits for an ack.
 */

#include <libsoup/soup.h>

#include "bc-enums.h"
#include "bc-store.h"
#include "bs-config.h"

G_BEGIN_DECLS

/* Close codes of the event socket (docs/api.md). */
#define BS_EVENTS_CLOSE_TOO_SLOW        4000
#define BS_EVENTS_CLOSE_RESYNC_REQUIRED 4001

#define BS_TYPE_EVENT_HUB (bs_event_hub_get_type ())

G_DECLARE_FINAL_TYPE (BsEventHub, bs_event_hub, BS, EVENT_HUB, GObject)

BsEventHub *bs_event_hub_new              (BcStore                  *store,
                                           const BsConfig           *config,
                                           GError                  **error);
/* Takes a reference to @conn and starts replaying after @since. @socket (may be NULL) is the
 * TCP socket under @conn; the hub corks it while it sends a batch of events. */
void        bs_event_hub_add_subscriber   (BsEventHub               *self,
                                           SoupWebsocketConnection  *conn,
                                           GSocket                  *socket,
                                           const char               *username,
                                           BcRole                    role,
                                           gint64                    since);
guint       bs_event_hub_get_n_subscribers (BsEventHub              *self);
gint64      bs_event_hub_get_last_seq     (BsEventHub               *self);
/* Closes every subscriber with @code/@reason; the hub accepts no new ones afterwards. */
void        bs_event_hub_close_all        (BsEventHub               *self,
                                           gushort                   code,
                                           const char               *reason);
/* Stops listening to the store (call before the store is closed). */
void        bs_event_hub_detach           (BsEventHub               *self);

G_END_DECLS
