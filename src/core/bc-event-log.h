/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "bc-store.h"

G_BEGIN_DECLS

/* The server's event log (table `events` of bc_server_schema()): every change is an event with
 * a gap-free seq 1, 2, 3, … assigned in the transaction that makes the change. Committed events
 * are announced to the store's commit hooks. */

/* One stored event. The model builds a BcEvent from it. */
typedef struct
{
  gint64  seq;
  char   *type;
  gint64  at;    /* µs since the Unix epoch, UTC */
  char   *data;  /* JSON text, as stored */
} BcEventRow;

void     bc_event_row_free        (BcEventRow  *row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcEventRow, bc_event_row_free)

/* Must be called inside a store transaction (bc_store_run_command() or bc_store_begin()).
 * @data may be NULL (stored as JSON null). */
gboolean bc_event_log_append      (BcStore     *store,
                                   const char  *type,
                                   gint64       at_us,
                                   JsonNode    *data,
                                   gint64      *out_seq,
                                   GError     **error);

/* The log holds the events first_seq … last_seq; it is empty when first_seq > last_seq.
 * last_seq is 0 before the first event and never goes down, pruning included. */
gboolean bc_event_log_last_seq    (BcStore     *store,
                                   gint64      *out_seq,
                                   GError     **error);
gboolean bc_event_log_first_seq   (BcStore     *store,
                                   gint64      *out_seq,
                                   GError     **error);

/* Appends to @out (a GPtrArray with bc_event_row_free as free func) the events after
 * @since_seq in seq order, at most @limit of them (0: no limit). */
gboolean bc_event_log_read        (BcStore     *store,
                                   gint64       since_seq,
                                   guint        limit,
                                   GPtrArray   *out,
                                   GError     **error);

/* Deletes the events up to and including @keep_after_seq (never beyond the last one). Runs in
 * its own transaction unless called inside one. */
gboolean bc_event_log_prune       (BcStore     *store,
                                   gint64       keep_after_seq,
                                   GError     **error);

G_END_DECLS
