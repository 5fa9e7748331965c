/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bc-store.h"

G_BEGIN_DECLS

/* The server's audit log (table `audit` of bc_server_schema()): who did what, when and from
 * where. Append-only; the database refuses UPDATE and DELETE on it. */

typedef struct
{
  gint64  id;
  gint64  at;        /* µs since the Unix epoch, UTC */
  char   *username;  /* NULL when not known (e.g. a failed login of an unknown name) */
  char   *role;
  char   *remote;    /* peer address of the request */
  char   *action;    /* e.g. "incident.create", "session.login_failed" */
  char   *target;    /* e.g. "incident/12" */
  char   *detail;    /* JSON text or NULL */
} BcAuditRow;

void     bc_audit_row_free (BcAuditRow  *row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcAuditRow, bc_audit_row_free)

/* Inside a transaction the entry commits (or rolls back) with the change it records; outside
 * one it commits on its own. Only @action is required; @detail_json must be valid JSON. */
gboolean bc_audit_append   (BcStore     *store,
                            gint64       at_us,
                            const char  *username,
                            const char  *role,
                            const char  *remote,
                            const char  *action,
                            const char  *target,
                            const char  *detail_json,
                            GError     **error);

/* Appends to @out (a GPtrArray with bc_audit_row_free as free func) the entries with an id
 * above @since_id in id order, at most @limit of them (0: no limit). */
gboolean bc_audit_read     (BcStore     *store,
                            gint64       since_id,
                            guint        limit,
                            GPtrArray   *out,
                            GError     **error);

G_END_DECLS
