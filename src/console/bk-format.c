/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-format.h"

#include <glib/gi18n.h>

#include "bc-client.h"

char *
bk_format_timer (gint64 usec)
{
  gint64 s = MAX (usec, 0) / G_USEC_PER_SEC;

  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60),
                            (int) (s % 60));
  return g_strdup_printf ("%02d:%02d", (int) (s / 60), (int) (s % 60));
}

char *
bk_format_duration (gint64 usec)
{
  gint64 s = (MAX (usec, 0) + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC;

  if (s < 60)
    /* Translators: a duration in seconds */
    return g_strdup_printf (_("%d s"), (int) s);
  if (s < 3600)
    /* Translators: a duration in minutes and seconds */
    return g_strdup_printf (_("%d min %02d s"), (int) (s / 60), (int) (s % 60));
  /* Translators: a duration in hours and minutes */
  return g_strdup_printf (_("%d h %02d min"), (int) (s / 3600), (int) (s / 60 % 60));
}

char *
bk_format_distance (double metres)
{
  if (metres < 1000.0)
    /* Translators: a distance in metres */
    return g_strdup_printf (_("%.0f m"), metres);
  /* Translators: a distance in kilometres */
  return g_strdup_printf (_("%.1f km"), metres / 1000.0);
}

char *
bk_format_hh_mm (gint64 usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);

  return dt != NULL ? g_date_time_format (dt, "%H:%M") : g_strdup ("--:--");
}

char *
bk_format_clock (gint64 usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (dt == NULL)
    return g_strdup ("--:--:--");

  if (g_date_time_get_year (dt) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (dt) == g_date_time_get_day_of_year (now))
    return g_date_time_format (dt, "%H:%M:%S");

  return g_date_time_format (dt, "%m-%d %H:%M:%S");
}

char *
bk_format_client_error (const GError *error)
{
  const char *code;

  g_return_val_if_fail (error != NULL, NULL);

  code = bc_client_error_get_code (error);
  if (g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED))
    return g_strdup (_("The server cannot be reached. The command waits in this console’s "
                       "outbox (pending) and is sent by itself when the server is back."));
  if (g_strcmp0 (code, "unit_unavailable") == 0)
    return g_strdup_printf (_("Not sent: a unit is no longer available (%s)."), error->message);
  if (g_strcmp0 (code, "stale_version") == 0)
    return g_strdup_printf (_("Someone changed it meanwhile; check it and try again (%s)."),
                            error->message);
  if (g_strcmp0 (code, "invalid_transition") == 0)
    return g_strdup_printf (_("Not possible in the current state (%s)."), error->message);
  if (g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_FORBIDDEN))
    return g_strdup (_("Your role may not do this."));
  if (g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_NETWORK))
    return g_strdup_printf (_("The server cannot be reached (%s)."), error->message);

  return g_strdup_printf (_("The server refused: %s"), error->message);
}
