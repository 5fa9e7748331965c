/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-gazetteer.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "bc-geo.h"
#include "bk-schematic-source.h"

/* A street that is described by a crossing within this distance is described by the
 * crossing; otherwise by the nearest point of the street. */
#define DESCRIBE_CROSSING_M 150.0
#define DESCRIBE_MAX_M      600.0

struct _BkGazetteer
{
  GObject parent_instance;

  GPtrArray  *places;     /* BkPlace*, owned */
  GHashTable *by_name;    /* normalised name → BkPlace* */
  GArray     *street_points;  /* StreetPoint: every node of every named street */
};

typedef struct
{
  const BkPlace *street;
  double lat;
  double lon;
} StreetPoint;

G_DEFINE_FINAL_TYPE (BkGazetteer, bk_gazetteer, G_TYPE_OBJECT)

static void
place_free (BkPlace *place)
{
  g_free (place->name);
  g_free (place);
}

static BkPlace *
add_place (BkGazetteer *self,
           const char  *name,
           BkPlaceKind  kind,
           double       lat,
           double       lon)
{
  BkPlace *place;

  if (g_hash_table_contains (self->by_name, name))
    return g_hash_table_lookup (self->by_name, name);

  place = g_new0 (BkPlace, 1);
  place->name = g_strdup (name);
  place->kind = kind;
  place->lat = lat;
  place->lon = lon;
  g_ptr_array_add (self->places, place);
  g_hash_table_insert (self->by_name, g_strdup (place->name), place);
  return place;
}

/* Place names are data of a Chinese city, written the way its people write them, not
 * interface text: they are not translated. */
static char *
crossing_name (const char *a,
               const char *b)
{
  return g_strdup_printf ("%s与%s交叉口", a, b);
}

/* The crossing's key, whichever way round and however it is written: "A与B…", "A和B", "A/B". */
static char *
crossing_key (const char *a,
              const char *b)
{
  return g_utf8_collate (a, b) <= 0 ? g_strconcat (a, "\n", b, NULL)
                                    : g_strconcat (b, "\n", a, NULL);
}

typedef struct
{
  double lat;
  double lon;
  GPtrArray *names;   /* const char* of the streets meeting here */
} Node;

static void
node_free (Node *node)
{
  g_clear_pointer (&node->names, g_ptr_array_unref);
  g_free (node);
}

static void
node_add_name (Node       *node,
               const char *name)
{
  for (guint i = 0; i < node->names->len; i++)
    if (g_str_equal (g_ptr_array_index (node->names, i), name))
      return;
  g_ptr_array_add (node->names, (gpointer) name);
}

static gboolean
load (BkGazetteer  *self,
      const char   *path,
      GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) nodes = NULL;
  g_autoptr(GHashTable) crossings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) street_nodes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                               (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) street_order = g_ptr_array_new ();
  g_autoptr(GPtrArray) node_order = g_ptr_array_new ();
  JsonObject *root;
  JsonArray *array;

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;

  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: not a JSON object", path);
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));

  nodes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) node_free);
  array = json_object_get_array_member (root, "nodes");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      Node *node = g_new0 (Node, 1);
      gint64 id = json_object_get_int_member (object, "id");

      node->lat = json_object_get_double_member (object, "lat");
      node->lon = json_object_get_double_member (object, "lon");
      node->names = g_ptr_array_new ();
      g_hash_table_insert (nodes, g_memdup2 (&id, sizeof id), node);
      g_ptr_array_add (node_order, node);
    }

  /* Streets: every named edge adds its ends to its street. Names live in the parser's
   * tree, which outlives this function's use of them (they are copied into places). */
  array = json_object_get_array_member (root, "edges");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      const char *name = json_object_get_string_member_with_default (object, "name", NULL);
      gint64 from = json_object_get_int_member_with_default (object, "from", 0);
      gint64 to = json_object_get_int_member_with_default (object, "to", 0);
      Node *a = g_hash_table_lookup (nodes, &from);
      Node *b = g_hash_table_lookup (nodes, &to);
      GPtrArray *points;

      if (name == NULL || name[0] == '\0' || a == NULL || b == NULL)
        continue;

      node_add_name (a, name);
      node_add_name (b, name);
      points = g_hash_table_lookup (street_nodes, name);
      if (points == NULL)
        {
          points = g_ptr_array_new ();
          g_hash_table_insert (street_nodes, (gpointer) name, points);
          g_ptr_array_add (street_order, (gpointer) name);
        }
      g_ptr_array_add (points, a);
      g_ptr_array_add (points, b);
    }

  /* A street is placed at its node nearest to the middle of all its nodes. */
  for (guint i = 0; i < street_order->len; i++)
    {
      const char *name = g_ptr_array_index (street_order, i);
      GPtrArray *points = g_hash_table_lookup (street_nodes, name);
      double lat = 0, lon = 0, best = G_MAXDOUBLE;
      Node *middle = NULL;
      BkPlace *street;

      for (guint j = 0; j < points->len; j++)
        {
          Node *node = g_ptr_array_index (points, j);
          lat += node->lat / points->len;
          lon += node->lon / points->len;
        }
      for (guint j = 0; j < points->len; j++)
        {
          Node *node = g_ptr_array_index (points, j);
          double d = bc_geo_distance_m (lat, lon, node->lat, node->lon);
          if (d < best)
            {
              best = d;
              middle = node;
            }
        }

      street = add_place (self, name, BK_PLACE_STREET, middle->lat, middle->lon);
      for (guint j = 0; j < points->len; j++)
        {
          Node *node = g_ptr_array_index (points, j);
          StreetPoint point = { street, node->lat, node->lon };
          g_array_append_val (self->street_points, point);
        }
    }

  /* Crossings: a node where two differently named streets meet. */
  {
    GHashTableIter iter;
    gpointer value;

    /* In file order, so that a pair of streets that meet twice is always placed at the
     * same one of its crossings. */
    for (guint n = 0; n < node_order->len; n++)
      {
        Node *node = g_ptr_array_index (node_order, n);

        for (guint i = 0; i < node->names->len; i++)
          for (guint j = i + 1; j < node->names->len; j++)
            {
              const char *a = g_ptr_array_index (node->names, i);
              const char *b = g_ptr_array_index (node->names, j);
              char *key = crossing_key (a, b);
              g_autofree char *name = NULL;
              BkPlace *place;

              if (g_hash_table_contains (crossings, key))
                {
                  g_free (key);
                  continue;
                }
              name = g_utf8_collate (a, b) <= 0 ? crossing_name (a, b) : crossing_name (b, a);
              place = add_place (self, name, BK_PLACE_INTERSECTION, node->lat, node->lon);
              g_hash_table_insert (crossings, key, place);
            }
      }

    /* The crossing under its key too, so that "B与A" and "A/B" find it. */
    g_hash_table_iter_init (&iter, crossings);
    while (g_hash_table_iter_next (&iter, &value, NULL))
      {
        BkPlace *place = g_hash_table_lookup (crossings, value);
        g_hash_table_insert (self->by_name, g_strdup (value), place);
      }
  }

  array = json_object_get_array_member (root, "landmarks");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      const char *name = json_object_get_string_member_with_default (object, "name", NULL);

      if (name == NULL || name[0] == '\0')
        continue;
      add_place (self, name, BK_PLACE_LANDMARK,
                 json_object_get_double_member_with_default (object, "lat", 0.0),
                 json_object_get_double_member_with_default (object, "lon", 0.0));
    }

  return TRUE;
}

static void
bk_gazetteer_finalize (GObject *object)
{
  BkGazetteer *self = BK_GAZETTEER (object);

  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->places, g_ptr_array_unref);
  g_clear_pointer (&self->street_points, g_array_unref);

  G_OBJECT_CLASS (bk_gazetteer_parent_class)->finalize (object);
}

static void
bk_gazetteer_class_init (BkGazetteerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bk_gazetteer_finalize;
}

static void
bk_gazetteer_init (BkGazetteer *self)
{
  self->places = g_ptr_array_new_with_free_func ((GDestroyNotify) place_free);
  self->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->street_points = g_array_new (FALSE, FALSE, sizeof (StreetPoint));
}

BkGazetteer *
bk_gazetteer_new_from_file (const char  *path,
                            GError     **error)
{
  g_autoptr(BkGazetteer) self = g_object_new (BK_TYPE_GAZETTEER, NULL);

  g_return_val_if_fail (path != NULL, NULL);

  if (!load (self, path, error))
    return NULL;

  return g_steal_pointer (&self);
}

static gpointer
load_default (gpointer data)
{
  g_autofree char *path = bk_schematic_source_find_data_file ("jingmen-training.json");
  g_autoptr(GError) error = NULL;
  BkGazetteer *self = NULL;

  if (path != NULL)
    self = bk_gazetteer_new_from_file (path, &error);
  if (self == NULL)
    {
      g_warning ("No place names for the gazetteer: %s",
                 error != NULL ? error->message : "jingmen-training.json not found");
      self = g_object_new (BK_TYPE_GAZETTEER, NULL);
    }

  return self;
}

BkGazetteer *
bk_gazetteer_get_default (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, load_default, NULL);
}

static void
preload_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  bk_gazetteer_get_default ();
  g_task_return_boolean (task, TRUE);
}

void
bk_gazetteer_preload (void)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  g_task_set_source_tag (task, bk_gazetteer_preload);
  g_task_run_in_thread (task, preload_thread);
}

guint
bk_gazetteer_get_n_places (BkGazetteer *self)
{
  g_return_val_if_fail (BK_IS_GAZETTEER (self), 0);

  return self->places->len;
}

/* "A与B交叉口", "A和B路口", "A/B", "A、B" → the two street names. */
static gboolean
split_crossing (const char  *text,
                char       **a,
                char       **b)
{
  static const char * const joins[] = { "与", "和", "/", "、", "&", " and " };
  static const char * const tails[] = { "交叉口", "路口", "交汇处", "附近" };
  g_autofree char *copy = g_strstrip (g_strdup (text));

  for (guint i = 0; i < G_N_ELEMENTS (tails); i++)
    if (g_str_has_suffix (copy, tails[i]))
      copy[strlen (copy) - strlen (tails[i])] = '\0';

  for (guint i = 0; i < G_N_ELEMENTS (joins); i++)
    {
      char *at = strstr (copy, joins[i]);

      if (at != NULL && at != copy)
        {
          *a = g_strstrip (g_strndup (copy, at - copy));
          *b = g_strstrip (g_strdup (at + strlen (joins[i])));
          if (**a != '\0' && **b != '\0')
            return TRUE;
          g_clear_pointer (a, g_free);
          g_clear_pointer (b, g_free);
        }
    }

  return FALSE;
}

const BkPlace *
bk_gazetteer_lookup (BkGazetteer *self,
                     const char  *name)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  const BkPlace *place;

  g_return_val_if_fail (BK_IS_GAZETTEER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  trimmed = g_strstrip (g_strdup (name));
  place = g_hash_table_lookup (self->by_name, trimmed);
  if (place != NULL)
    return place;

  if (split_crossing (trimmed, &a, &b))
    {
      g_autofree char *key = crossing_key (a, b);
      return g_hash_table_lookup (self->by_name, key);
    }

  return NULL;
}

static int
kind_rank (BkPlaceKind kind)
{
  /* A dispatcher most often means a landmark or a crossing, not a whole street. */
  switch (kind)
    {
    case BK_PLACE_LANDMARK:
      return 0;
    case BK_PLACE_STREET:
      return 1;
    case BK_PLACE_INTERSECTION:
      return 2;
    default:
      return 3;
    }
}

typedef struct
{
  const BkPlace *place;
  int score;
} Candidate;

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *ca = a;
  const Candidate *cb = b;

  if (ca->score != cb->score)
    return ca->score - cb->score;
  if (kind_rank (ca->place->kind) != kind_rank (cb->place->kind))
    return kind_rank (ca->place->kind) - kind_rank (cb->place->kind);
  return g_utf8_collate (ca->place->name, cb->place->name);
}

GPtrArray *
bk_gazetteer_complete (BkGazetteer *self,
                       const char  *text,
                       guint        limit)
{
  g_autoptr(GArray) candidates = g_array_new (FALSE, FALSE, sizeof (Candidate));
  g_autofree char *needle = NULL;
  GPtrArray *result = g_ptr_array_new ();

  g_return_val_if_fail (BK_IS_GAZETTEER (self), result);
  g_return_val_if_fail (text != NULL, result);

  needle = g_utf8_casefold (text, -1);
  g_strstrip (needle);
  if (needle[0] == '\0')
    return result;

  for (guint i = 0; i < self->places->len; i++)
    {
      const BkPlace *place = g_ptr_array_index (self->places, i);
      g_autofree char *folded = g_utf8_casefold (place->name, -1);
      const char *found = strstr (folded, needle);
      Candidate candidate = { place, 0 };

      if (found == NULL)
        continue;
      candidate.score = found == folded ? (strlen (folded) == strlen (needle) ? 0 : 1) : 2;
      g_array_append_val (candidates, candidate);
    }

  g_array_sort (candidates, compare_candidates);
  for (guint i = 0; i < candidates->len && i < limit; i++)
    g_ptr_array_add (result, (gpointer) g_array_index (candidates, Candidate, i).place);

  return result;
}

const BkPlace *
bk_gazetteer_nearest (BkGazetteer *self,
                      double       lat,
                      double       lon,
                      double       max_m)
{
  const BkPlace *best = NULL;
  double best_m = max_m;

  g_return_val_if_fail (BK_IS_GAZETTEER (self), NULL);

  for (guint i = 0; i < self->places->len; i++)
    {
      const BkPlace *place = g_ptr_array_index (self->places, i);
      double d;

      if (place->kind == BK_PLACE_STREET)
        continue;
      d = bc_geo_distance_m (lat, lon, place->lat, place->lon);
      if (d <= best_m)
        {
          best_m = d;
          best = place;
        }
    }

  return best;
}

char *
bk_gazetteer_describe (BkGazetteer *self,
                       double       lat,
                       double       lon)
{
  const BkPlace *near;
  const BkPlace *street = NULL;
  double street_m = DESCRIBE_MAX_M;

  g_return_val_if_fail (BK_IS_GAZETTEER (self), NULL);

  near = bk_gazetteer_nearest (self, lat, lon, DESCRIBE_CROSSING_M);
  if (near == NULL)
    {
      for (guint i = 0; i < self->street_points->len; i++)
        {
          const StreetPoint *point = &g_array_index (self->street_points, StreetPoint, i);
          double d = bc_geo_distance_m (lat, lon, point->lat, point->lon);

          if (d < street_m)
            {
              street_m = d;
              street = point->street;
            }
        }
      near = street;
    }

  if (near == NULL)
    /* Translators: an address made of coordinates when no place name is near */
    return g_strdup_printf (_("Near %.5f, %.5f"), lat, lon);

  /* Translators: an address near a named place, e.g. 象山大道与白庙路交叉口附近 */
  return g_strdup_printf (_("Near %s"), near->name);
}
