/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BcOutbox: the console's local queue of commands that must reach the server.
 *
 * Dispatches, status changes and notes that cannot be delivered right now (the server is
 * unreachable or shutting down) are kept here, in a small SQLite file of the console's own,
 * together with the idempotency key they were first sent with, and are replayed IN ORDER when
 * the server is reachable again — also after the console was restarted. BcClient does the
 * sending (see bc_client_set_outbox()); the outbox only keeps the queue.
 *
 * The outbox is a GListModel of BcOutboxItem in queue order holding every item that is not done
 * (pending, sent, conflict), so a GtkColumnView can show it directly. An item the server has
 * applied is removed from the model and the file; an item the server refused on replay stays,
 * in state CONFLICT with the server's error code and message, until the user dismisses it.
 *
 * All SQLite work runs off the calling thread, one job at a time in submission order (a
 * single-thread GThreadPool): a commit with synchronous=FULL waits for the disk, which is not
 * bounded to microseconds. The model itself belongs to the thread that opened the outbox (its
 * thread-default main context), where every callback and signal is delivered.
 */

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  BC_OUTBOX_STATE_PENDING,   /* waiting to be sent */
  BC_OUTBOX_STATE_SENT,      /* handed to the server, no answer seen yet (it is sent again) */
  BC_OUTBOX_STATE_CONFLICT,  /* refused by the server on replay; kept with its message */
  BC_OUTBOX_STATE_DONE,      /* applied by the server; no longer in the model or the file */
} BcOutboxState;

typedef enum
{
  BC_OUTBOX_KIND_DISPATCH,        /* POST /incidents/{id}/dispatch */
  BC_OUTBOX_KIND_INCIDENT_PATCH,  /* PATCH /incidents/{id} (status and other changes) */
  BC_OUTBOX_KIND_UNIT_PATCH,      /* PATCH /units/{id} (unit status) */
  BC_OUTBOX_KIND_NOTE,            /* POST /incidents/{id}/notes */
} BcOutboxKind;

#define BC_TYPE_OUTBOX_STATE (bc_outbox_state_get_type ())
#define BC_TYPE_OUTBOX_KIND  (bc_outbox_kind_get_type ())

GType          bc_outbox_state_get_type          (void) G_GNUC_CONST;
GType          bc_outbox_kind_get_type           (void) G_GNUC_CONST;
const char    *bc_outbox_state_to_string         (BcOutboxState  state);
const char    *bc_outbox_kind_to_string          (BcOutboxKind   kind);

/* ---- BcOutboxItem: one queued command (read-only for users of the outbox) ------------------ */

#define BC_TYPE_OUTBOX_ITEM (bc_outbox_item_get_type ())
G_DECLARE_FINAL_TYPE (BcOutboxItem, bc_outbox_item, BC, OUTBOX_ITEM, GObject)

gint64         bc_outbox_item_get_id              (BcOutboxItem  *self);
BcOutboxKind   bc_outbox_item_get_kind            (BcOutboxItem  *self);
const char    *bc_outbox_item_get_method          (BcOutboxItem  *self);
/* Relative to the API base URL, e.g. "/api/v1/incidents/12/dispatch". */
const char    *bc_outbox_item_get_path            (BcOutboxItem  *self);
/* The JSON request body as sent. */
const char    *bc_outbox_item_get_body            (BcOutboxItem  *self);
JsonNode      *bc_outbox_item_dup_body_json       (BcOutboxItem  *self);
const char    *bc_outbox_item_get_idempotency_key (BcOutboxItem  *self);
/* Who queued it: only that user's session replays it (the audit log names the real author). */
const char    *bc_outbox_item_get_username        (BcOutboxItem  *self);
/* The incident or unit the command is about (from the path). */
gint64         bc_outbox_item_get_target_id       (BcOutboxItem  *self);
gint64         bc_outbox_item_get_created_at      (BcOutboxItem  *self);
BcOutboxState  bc_outbox_item_get_state           (BcOutboxItem  *self);
guint          bc_outbox_item_get_attempts        (BcOutboxItem  *self);
/* Why the last attempt failed: the server's API error code ("unit_unavailable") and message,
 * or a network error message with code NULL. */
const char    *bc_outbox_item_get_error_code      (BcOutboxItem  *self);
const char    *bc_outbox_item_get_error_message   (BcOutboxItem  *self);

/* ---- BcOutbox ------------------------------------------------------------------------------ */

#define BC_TYPE_OUTBOX (bc_outbox_get_type ())
G_DECLARE_FINAL_TYPE (BcOutbox, bc_outbox, BC, OUTBOX, GObject)

/* Opens (creating if needed) the outbox file and loads every item that is not done. The file
 * is opened and read on the outbox's worker thread. */
void           bc_outbox_open_async        (const char           *path,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
BcOutbox      *bc_outbox_open_finish       (GAsyncResult         *result,
                                            GError              **error);

const char    *bc_outbox_get_path          (BcOutbox             *self);

/* Appends a command. It is durable (committed, synchronous=FULL) before the callback runs; the
 * new item is then already in the model, at the end. */
void           bc_outbox_enqueue_async     (BcOutbox             *self,
                                            BcOutboxKind          kind,
                                            const char           *method,
                                            const char           *path,
                                            const char           *body,
                                            const char           *idempotency_key,
                                            const char           *username,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
BcOutboxItem  *bc_outbox_enqueue_finish    (BcOutbox             *self,
                                            GAsyncResult         *result,
                                            GError              **error);

/* The first item, in queue order, that still has to be sent (PENDING or SENT) and that was
 * queued by @username; NULL when there is none. */
BcOutboxItem  *bc_outbox_peek              (BcOutbox             *self,
                                            const char           *username);
guint          bc_outbox_get_n_waiting     (BcOutbox             *self);

/* Records what happened to @item. The item and the model change at once; the file is written
 * on the worker thread, in order after every earlier write. DONE removes the item from the
 * model and the file and emits ::item-done; CONFLICT emits ::item-conflict. @error_code and
 * @error_message may be NULL. */
void           bc_outbox_set_state         (BcOutbox             *self,
                                            BcOutboxItem         *item,
                                            BcOutboxState         state,
                                            const char           *error_code,
                                            const char           *error_message);
/* Counts an attempt and marks the item SENT before its request goes out. */
void           bc_outbox_mark_sent         (BcOutbox             *self,
                                            BcOutboxItem         *item);
/* Removes an item the user has seen (normally a CONFLICT one) without sending it. */
void           bc_outbox_dismiss           (BcOutbox             *self,
                                            BcOutboxItem         *item);

/* Completes once every write submitted before it has reached the file. */
void           bc_outbox_flush_async       (BcOutbox             *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean       bc_outbox_flush_finish      (BcOutbox             *self,
                                            GAsyncResult         *result,
                                            GError              **error);

G_END_DECLS
