/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include "bc-error.h"
#include "bc-json-private.h"
#include "bc-time.h"

/*
 * Calendar arithmetic is done by hand rather than with GDateTime: the codec formats and parses
 * times for every camera, unit and event, and GDateTime allocates for each of them.
 * The algorithms are the proleptic-Gregorian days-from-civil conversions (Hinnant).
 */

#define USEC_PER_SEC G_GINT64_CONSTANT (1000000)
#define USEC_PER_DAY (G_GINT64_CONSTANT (86400) * USEC_PER_SEC)

static gint64
days_from_civil (gint64 y,
                 guint  m,
                 guint  d)
{
  gint64 era;
  guint yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (guint) (y - era * 400);
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return era * 146097 + (gint64) doe - 719468;
}

static void
civil_from_days (gint64  z,
                 gint64 *out_y,
                 guint  *out_m,
                 guint  *out_d)
{
  gint64 era, y;
  guint doe, yoe, doy, mp, m;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (guint) (z - era * 146097);
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = (gint64) yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  m = mp < 10 ? mp + 3 : mp - 9;

  *out_y = y + (m <= 2);
  *out_m = m;
  *out_d = doy - (153 * mp + 2) / 5 + 1;
}

static guint
days_in_month (gint64 year,
               guint  month)
{
  static const guint8 days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  gboolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

  g_assert (month >= 1 && month <= 12);
  return days[month - 1] + (month == 2 && leap);
}

/**
 * bc_time_format:
 * @usec: microseconds since the epoch, UTC
 *
 * Formats @usec as RFC 3339 in UTC with exactly three fractional digits, e.g.
 * `2026-11-24T16:57:14.123Z`. Sub-millisecond precision is truncated towards the past, so
 * parsing the result gives the same millisecond.
 *
 * Returns: (transfer full): the string
 */
char *
bc_time_format (gint64 usec)
{
  gint64 days, rem, year;
  guint month, day, hour, minute, second, msec;

  /* Floor division so that times before 1970 format as the right calendar moment. */
  days = usec / USEC_PER_DAY;
  rem = usec % USEC_PER_DAY;
  if (rem < 0)
    {
      rem += USEC_PER_DAY;
      days -= 1;
    }

  civil_from_days (days, &year, &month, &day);
  hour = (guint) (rem / (3600 * USEC_PER_SEC));
  rem %= 3600 * USEC_PER_SEC;
  minute = (guint) (rem / (60 * USEC_PER_SEC));
  rem %= 60 * USEC_PER_SEC;
  second = (guint) (rem / USEC_PER_SEC);
  msec = (guint) ((rem % USEC_PER_SEC) / 1000);

  return g_strdup_printf ("%04" G_GINT64_FORMAT "-%02u-%02uT%02u:%02u:%02u.%03uZ",
                          year, month, day, hour, minute, second, msec);
}

static gboolean
read_digits (const char **p,
             guint        n,
             guint       *out)
{
  guint value = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      value = value * 10 + (guint) ((*p)[i] - '0');
    }

  *p += n;
  *out = value;
  return TRUE;
}

static gboolean
expect_char (const char **p,
             char         c)
{
  if (**p != c)
    return FALSE;
  *p += 1;
  return TRUE;
}

/**
 * bc_time_parse:
 * @text: an RFC 3339 date-time
 * @out_usec: (out): microseconds since the epoch, UTC
 * @error: a #GError, %BC_MODEL_ERROR_INVALID_FORMAT on failure
 *
 * Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`. 'T' and 'Z' may be lower case (RFC 3339
 * §5.6); any number of fractional digits is accepted and digits beyond microseconds are
 * truncated; `-00:00` is taken as UTC. Leap seconds (`:60`) are rejected: no source Beacon talks
 * to emits them, and an int64 timeline cannot hold them.
 *
 * Returns: %TRUE if @text was valid
 */
gboolean
bc_time_parse (const char  *text,
               gint64      *out_usec,
               GError     **error)
{
  const char *p = text;
  guint year, month, day, hour, minute, second;
  gint64 frac = 0;
  gint64 offset_sec = 0;
  gint64 usec;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_usec != NULL, FALSE);

  if (!read_digits (&p, 4, &year) || !expect_char (&p, '-') ||
      !read_digits (&p, 2, &month) || !expect_char (&p, '-') ||
      !read_digits (&p, 2, &day))
    goto malformed;

  if (*p != 'T' && *p != 't')
    goto malformed;
  p++;

  if (!read_digits (&p, 2, &hour) || !expect_char (&p, ':') ||
      !read_digits (&p, 2, &minute) || !expect_char (&p, ':') ||
      !read_digits (&p, 2, &second))
    goto malformed;

  if (*p == '.')
    {
      guint n_digits = 0;

      p++;
      if (!g_ascii_isdigit (*p))
        goto malformed;
      for (; g_ascii_isdigit (*p); p++, n_digits++)
        {
          if (n_digits < 6)
            frac = frac * 10 + (*p - '0');
        }
      for (; n_digits < 6; n_digits++)
        frac *= 10;
    }

  if (*p == 'Z' || *p == 'z')
    {
      p++;
    }
  else if (*p == '+' || *p == '-')
    {
      int sign = *p == '-' ? -1 : 1;
      guint oh, om;

      p++;
      if (!read_digits (&p, 2, &oh) || !expect_char (&p, ':') || !read_digits (&p, 2, &om))
        goto malformed;
      if (oh > 23 || om > 59)
        goto malformed;
      offset_sec = sign * (gint64) (oh * 3600 + om * 60);
    }
  else
    {
      goto malformed;
    }

  if (*p != '\0')
    goto malformed;

  if (month < 1 || month > 12 || day < 1 || day > days_in_month (year, month) ||
      hour > 23 || minute > 59 || second > 59)
    goto malformed;

  usec = days_from_civil (year, month, day) * USEC_PER_DAY
         + ((gint64) hour * 3600 + minute * 60 + second - offset_sec) * USEC_PER_SEC
         + frac;

  *out_usec = usec;
  return TRUE;

malformed:
  {
    g_autofree char *quoted = _bc_quote_for_message (text);

    g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_FORMAT,
                 "%s is not an RFC 3339 time", quoted);
  }
  return FALSE;
}

/* The wall-clock time in the form every Beacon timestamp uses. */
gint64
bc_time_now (void)
{
  return g_get_real_time ();
}
