/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * Property setters shared by libbeacon's GObjects: each stores the new value and notifies
 * only when it differs, so that views bound to a property redraw only on a real change (a
 * unit.moved event that repeats a position changes nothing on screen).
 */

static inline void
_bc_object_set_string (GObject     *object,
                       char       **field,
                       const char  *value,
                       GParamSpec  *pspec)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (object, pspec);
}

static inline void
_bc_object_set_int64 (GObject    *object,
                      gint64     *field,
                      gint64      value,
                      GParamSpec *pspec)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (object, pspec);
}

static inline void
_bc_object_set_double (GObject    *object,
                       double     *field,
                       double      value,
                       GParamSpec *pspec)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (object, pspec);
}

G_END_DECLS
