/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-districts.h"

#include <gio/gio.h>

#include "bc-districts.h"
#include "bc-geo.h"
#include "bk-schematic-source.h"

static GMutex default_lock;
static BkDistricts *default_districts;
static GError *default_error;

static void
line_add (BkDistrictLine        *line,
          const BkDistrictPoint *p)
{
  line->x0 = MIN (line->x0, p->x);
  line->y0 = MIN (line->y0, p->y);
  line->x1 = MAX (line->x1, p->x);
  line->y1 = MAX (line->y1, p->y);
}

static void
line_start (BkDistrictLine *line,
            guint           district,
            guint           first)
{
  line->district = district;
  line->first = first;
  line->n = 0;
  line->x0 = line->y0 = G_MAXDOUBLE;
  line->x1 = line->y1 = -G_MAXDOUBLE;
}

/* Neighbouring districts share their border: split each ring into stretches of segments not
 * seen before, so that a boundary is drawn once (a dash pattern drawn twice with different
 * phases looks solid). */
static void
add_borders (BkDistricts          *self,
             GHashTable           *seen,
             const BkDistrictLine *ring)
{
  BkDistrictLine border;

  line_start (&border, ring->district, 0);
  for (guint i = 0; i + 1 < ring->n; i++)
    {
      BkDistrictPoint a = g_array_index (self->points, BkDistrictPoint, ring->first + i);
      BkDistrictPoint b = g_array_index (self->points, BkDistrictPoint, ring->first + i + 1);
      g_autofree char *key = g_strdup_printf ("%.9f,%.9f,%.9f,%.9f", a.x, a.y, b.x, b.y);
      g_autofree char *rkey = g_strdup_printf ("%.9f,%.9f,%.9f,%.9f", b.x, b.y, a.x, a.y);

      if (g_hash_table_contains (seen, key) || g_hash_table_contains (seen, rkey))
        {
          if (border.n > 0)
            g_array_append_val (self->borders, border);
          line_start (&border, ring->district, 0);
          continue;
        }
      g_hash_table_add (seen, g_steal_pointer (&key));

      if (border.n == 0)
        {
          border.first = self->points->len;
          g_array_append_val (self->points, a);
          line_add (&border, &a);
          border.n = 1;
        }
      g_array_append_val (self->points, b);
      line_add (&border, &b);
      border.n++;
    }
  if (border.n > 0)
    g_array_append_val (self->borders, border);
}

/**
 * bk_districts_load:
 * @path: a GeoJSON FeatureCollection of (multi)polygons in WGS-84
 *
 * Reads district outlines with bc_districts_load() (which says what the file must hold) and
 * projects them for drawing.
 *
 * Returns: (transfer full): the districts, or %NULL with @error set
 */
BkDistricts *
bk_districts_load (const char  *path,
                   GError     **error)
{
  g_autoptr(BcDistricts) geo = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(BkDistricts) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  geo = bc_districts_load (path, error);
  if (geo == NULL)
    return NULL;

  self = g_new0 (BkDistricts, 1);
  self->points = g_array_new (FALSE, FALSE, sizeof (BkDistrictPoint));
  self->districts = g_array_new (FALSE, FALSE, sizeof (BkDistrict));
  self->rings = g_array_new (FALSE, FALSE, sizeof (BkDistrictLine));
  self->borders = g_array_new (FALSE, FALSE, sizeof (BkDistrictLine));
  self->x0 = self->y0 = G_MAXDOUBLE;
  self->x1 = self->y1 = -G_MAXDOUBLE;
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint d = 0; d < geo->districts->len; d++)
    {
      const BcDistrict *source = &g_array_index (geo->districts, BcDistrict, d);
      BkDistrict district = { 0 };

      district.name = g_strdup (source->name);
      district.label = g_strdup (source->label);
      bc_mercator_project (source->label_point.lat, source->label_point.lon,
                           &district.label_point.x, &district.label_point.y);
      g_array_append_val (self->districts, district);
    }

  for (guint r = 0; r < geo->rings->len; r++)
    {
      const BcDistrictRing *source = &g_array_index (geo->rings, BcDistrictRing, r);
      BkDistrictLine ring;

      line_start (&ring, source->district, self->points->len);
      for (guint i = 0; i < source->n; i++)
        {
          const BcDistrictPoint *q = &g_array_index (geo->points, BcDistrictPoint, source->first + i);
          BkDistrictPoint p;

          bc_mercator_project (q->lat, q->lon, &p.x, &p.y);
          g_array_append_val (self->points, p);
          line_add (&ring, &p);
          ring.n++;
        }
      g_array_append_val (self->rings, ring);
      self->x0 = MIN (self->x0, ring.x0);
      self->y0 = MIN (self->y0, ring.y0);
      self->x1 = MAX (self->x1, ring.x1);
      self->y1 = MAX (self->y1, ring.y1);
      add_borders (self, seen, &ring);
    }

  self->geo = g_steal_pointer (&geo);
  g_debug ("Districts: %u districts, %u rings, %u boundary lines, %u points",
           self->districts->len, self->rings->len, self->borders->len, self->points->len);
  return g_steal_pointer (&self);
}

void
bk_districts_free (BkDistricts *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < self->districts->len; i++)
    {
      g_free (g_array_index (self->districts, BkDistrict, i).name);
      g_free (g_array_index (self->districts, BkDistrict, i).label);
    }
  g_array_unref (self->points);
  g_array_unref (self->districts);
  g_array_unref (self->rings);
  g_array_unref (self->borders);
  g_clear_pointer (&self->geo, bc_districts_unref);
  g_free (self);
}

const BkDistricts *
bk_districts_get_default (GError **error)
{
  const BkDistricts *districts;

  g_mutex_lock (&default_lock);
  if (default_districts == NULL && default_error == NULL)
    {
      g_autofree char *path = bk_schematic_source_find_data_file ("jingmen-districts.json");

      if (path == NULL)
        g_set_error_literal (&default_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                             "The district outlines (basemap/jingmen-districts.json) were not "
                             "found; set BEACON_DATADIR");
      else
        default_districts = bk_districts_load (path, &default_error);
    }
  districts = default_districts;
  if (districts == NULL)
    g_propagate_error (error, g_error_copy (default_error));
  g_mutex_unlock (&default_lock);

  return districts;
}
