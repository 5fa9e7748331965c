/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Times inside Beacon are gint64 microseconds since the Unix epoch, UTC; 0 means "not set".
 * On the wire they are RFC 3339 strings, written in UTC with millisecond precision.
 */

char    *bc_time_format (gint64       usec);
gboolean bc_time_parse  (const char  *text,
                         gint64      *out_usec,
                         GError     **error);
gint64   bc_time_now    (void);

G_END_DECLS
