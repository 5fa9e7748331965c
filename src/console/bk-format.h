/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How the dispatch widgets write times, durations and distances (translated). */

/* A running timer: "04:07", "1:04:07". */
char *bk_format_timer    (gint64 usec);
/* A duration in words: "45 s", "3 min 20 s", "2 h 05 min". */
char *bk_format_duration (gint64 usec);
/* "850 m", "1.2 km". */
char *bk_format_distance (double metres);
/* Local wall-clock time of a UTC instant: "14:03:22"; with the date when not today. */
char *bk_format_clock    (gint64 usec);
/* Local hours and minutes of a UTC instant, for "offline since 14:03". */
char *bk_format_hh_mm    (gint64 usec);

/* Why a command failed, in a translated sentence; the server's own message (which names the
 * unit or the incident, in English) is quoted in it. */
char *bk_format_client_error (const GError *error);

G_END_DECLS
