/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-road-graph.h"

#include <math.h>

/* A city is small enough for a local plane: the error of an equirectangular projection around
 * the graph's centre stays far below a metre over 20 km. */
#define M_PER_DEG_LAT 111132.954

struct _BsRoadGraph
{
  gatomicrefcount  ref_count;
  gboolean         finished;

  GArray          *nodes;       /* BsRoadNode */
  GArray          *edges;       /* BsRoadEdge */
  GHashTable      *node_ids;    /* gint64* id -> GUINT_TO_POINTER (index + 1) */

  /* Adjacency in compressed rows: out_edges[out_start[n] … out_start[n + 1]) */
  guint           *out_start;
  guint           *out_edges;
  /* Undirected adjacency, for components */
  guint           *all_start;
  guint           *all_edges;

  double           lat0;
  double           lon0;
  double           m_per_deg_lon;
  double           max_speed_mps;
};

BsRoadGraph *
bs_road_graph_new (void)
{
  BsRoadGraph *self = g_new0 (BsRoadGraph, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->nodes = g_array_new (FALSE, FALSE, sizeof (BsRoadNode));
  self->edges = g_array_new (FALSE, FALSE, sizeof (BsRoadEdge));
  self->node_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  return self;
}

BsRoadGraph *
bs_road_graph_ref (BsRoadGraph *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
bs_road_graph_unref (BsRoadGraph *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_array_unref (self->nodes);
  g_array_unref (self->edges);
  g_hash_table_unref (self->node_ids);
  g_free (self->out_start);
  g_free (self->out_edges);
  g_free (self->all_start);
  g_free (self->all_edges);
  g_free (self);
}

guint
bs_road_graph_add_node (BsRoadGraph *self,
                        gint64       id,
                        double       lat,
                        double       lon)
{
  BsRoadNode node = { id, lat, lon, 0, 0 };
  guint index;

  g_return_val_if_fail (self != NULL && !self->finished, G_MAXUINT);

  index = self->nodes->len;
  g_array_append_val (self->nodes, node);
  g_hash_table_replace (self->node_ids, g_memdup2 (&id, sizeof id), GUINT_TO_POINTER (index + 1));
  return index;
}

guint
bs_road_graph_add_edge (BsRoadGraph *self,
                        guint        from,
                        guint        to,
                        const char  *name,
                        const char  *road_class,
                        double       speed_kmh,
                        gboolean     oneway)
{
  BsRoadEdge edge = { 0, };

  g_return_val_if_fail (self != NULL && !self->finished, G_MAXUINT);
  g_return_val_if_fail (from < self->nodes->len && to < self->nodes->len, G_MAXUINT);
  g_return_val_if_fail (speed_kmh > 0, G_MAXUINT);

  edge.from = from;
  edge.to = to;
  edge.name = g_intern_string (name != NULL ? name : "");
  edge.road_class = g_intern_string (road_class != NULL ? road_class : "");
  edge.speed_mps = speed_kmh / 3.6;
  edge.oneway = oneway;
  g_array_append_val (self->edges, edge);
  return self->edges->len - 1;
}

static void
build_rows (BsRoadGraph  *self,
            gboolean      directed,
            guint       **out_start,
            guint       **out_list)
{
  guint n = self->nodes->len;
  guint *start = g_new0 (guint, n + 1);
  guint *fill;
  guint *list;

  for (guint e = 0; e < self->edges->len; e++)
    {
      const BsRoadEdge *edge = &g_array_index (self->edges, BsRoadEdge, e);

      start[edge->from + 1]++;
      if (!directed || !edge->oneway)
        start[edge->to + 1]++;
    }
  for (guint i = 0; i < n; i++)
    start[i + 1] += start[i];

  list = g_new (guint, MAX (start[n], 1));
  fill = g_memdup2 (start, sizeof (guint) * (n + 1));
  for (guint e = 0; e < self->edges->len; e++)
    {
      const BsRoadEdge *edge = &g_array_index (self->edges, BsRoadEdge, e);

      list[fill[edge->from]++] = e;
      if (!directed || !edge->oneway)
        list[fill[edge->to]++] = e;
    }
  g_free (fill);

  *out_start = start;
  *out_list = list;
}

void
bs_road_graph_finish (BsRoadGraph *self)
{
  double min_lat = G_MAXDOUBLE, max_lat = -G_MAXDOUBLE;
  double min_lon = G_MAXDOUBLE, max_lon = -G_MAXDOUBLE;

  g_return_if_fail (self != NULL && !self->finished);

  for (guint i = 0; i < self->nodes->len; i++)
    {
      const BsRoadNode *node = &g_array_index (self->nodes, BsRoadNode, i);

      min_lat = MIN (min_lat, node->lat);
      max_lat = MAX (max_lat, node->lat);
      min_lon = MIN (min_lon, node->lon);
      max_lon = MAX (max_lon, node->lon);
    }
  if (self->nodes->len == 0)
    min_lat = max_lat = min_lon = max_lon = 0;

  self->lat0 = (min_lat + max_lat) / 2;
  self->lon0 = (min_lon + max_lon) / 2;
  self->m_per_deg_lon = M_PER_DEG_LAT * cos (self->lat0 * G_PI / 180.0);

  for (guint i = 0; i < self->nodes->len; i++)
    {
      BsRoadNode *node = &g_array_index (self->nodes, BsRoadNode, i);

      node->x = (node->lon - self->lon0) * self->m_per_deg_lon;
      node->y = (node->lat - self->lat0) * M_PER_DEG_LAT;
    }

  self->max_speed_mps = 0;
  for (guint e = 0; e < self->edges->len; e++)
    {
      BsRoadEdge *edge = &g_array_index (self->edges, BsRoadEdge, e);
      const BsRoadNode *a = &g_array_index (self->nodes, BsRoadNode, edge->from);
      const BsRoadNode *b = &g_array_index (self->nodes, BsRoadNode, edge->to);

      edge->length_m = hypot (b->x - a->x, b->y - a->y);
      self->max_speed_mps = MAX (self->max_speed_mps, edge->speed_mps);
    }

  build_rows (self, TRUE, &self->out_start, &self->out_edges);
  build_rows (self, FALSE, &self->all_start, &self->all_edges);
  self->finished = TRUE;
}

guint
bs_road_graph_get_n_nodes (BsRoadGraph *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->nodes->len;
}

guint
bs_road_graph_get_n_edges (BsRoadGraph *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->edges->len;
}

const BsRoadNode *
bs_road_graph_get_node (BsRoadGraph *self,
                        guint        index)
{
  g_return_val_if_fail (self != NULL && index < self->nodes->len, NULL);
  return &g_array_index (self->nodes, BsRoadNode, index);
}

const BsRoadEdge *
bs_road_graph_get_edge (BsRoadGraph *self,
                        guint        index)
{
  g_return_val_if_fail (self != NULL && index < self->edges->len, NULL);
  return &g_array_index (self->edges, BsRoadEdge, index);
}

gboolean
bs_road_graph_lookup_node (BsRoadGraph *self,
                           gint64       id,
                           guint       *out_index)
{
  gpointer value;

  g_return_val_if_fail (self != NULL, FALSE);

  value = g_hash_table_lookup (self->node_ids, &id);
  if (value == NULL)
    return FALSE;
  if (out_index != NULL)
    *out_index = GPOINTER_TO_UINT (value) - 1;
  return TRUE;
}

guint
bs_road_graph_get_out_edges (BsRoadGraph  *self,
                             guint         node,
                             const guint **out_edges)
{
  g_return_val_if_fail (self != NULL && self->finished, 0);
  g_return_val_if_fail (node < self->nodes->len, 0);

  *out_edges = self->out_edges + self->out_start[node];
  return self->out_start[node + 1] - self->out_start[node];
}

guint
bs_road_graph_edge_other_end (BsRoadGraph *self,
                              guint        edge,
                              guint        node)
{
  const BsRoadEdge *e = bs_road_graph_get_edge (self, edge);

  return e->from == node ? e->to : e->from;
}

static void
project (BsRoadGraph *self,
         double       lat,
         double       lon,
         double      *x,
         double      *y)
{
  *x = (lon - self->lon0) * self->m_per_deg_lon;
  *y = (lat - self->lat0) * M_PER_DEG_LAT;
}

guint
bs_road_graph_nearest_node (BsRoadGraph *self,
                            double       lat,
                            double       lon,
                            double      *out_distance_m)
{
  double x, y, best = G_MAXDOUBLE;
  guint best_index = G_MAXUINT;

  g_return_val_if_fail (self != NULL && self->finished, G_MAXUINT);

  /* A few hundred to a few thousand nodes, asked a few times a minute: a scan is enough. */
  project (self, lat, lon, &x, &y);
  for (guint i = 0; i < self->nodes->len; i++)
    {
      const BsRoadNode *node = &g_array_index (self->nodes, BsRoadNode, i);
      double d = (node->x - x) * (node->x - x) + (node->y - y) * (node->y - y);

      if (d < best)
        {
          best = d;
          best_index = i;
        }
    }
  if (out_distance_m != NULL)
    *out_distance_m = best_index != G_MAXUINT ? sqrt (best) : G_MAXDOUBLE;
  return best_index;
}

static double
segment_distance (double px,
                  double py,
                  double ax,
                  double ay,
                  double bx,
                  double by)
{
  double dx = bx - ax, dy = by - ay;
  double length2 = dx * dx + dy * dy;
  double t = 0;

  if (length2 > 0)
    t = CLAMP (((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0);
  return hypot (px - (ax + t * dx), py - (ay + t * dy));
}

double
bs_road_graph_distance_to_edge (BsRoadGraph *self,
                                guint        edge,
                                double       lat,
                                double       lon)
{
  const BsRoadEdge *e = bs_road_graph_get_edge (self, edge);
  const BsRoadNode *a = bs_road_graph_get_node (self, e->from);
  const BsRoadNode *b = bs_road_graph_get_node (self, e->to);
  double x, y;

  project (self, lat, lon, &x, &y);
  return segment_distance (x, y, a->x, a->y, b->x, b->y);
}

guint
bs_road_graph_nearest_edge (BsRoadGraph *self,
                            double       lat,
                            double       lon,
                            double      *out_distance_m)
{
  double x, y, best = G_MAXDOUBLE;
  guint best_index = G_MAXUINT;

  g_return_val_if_fail (self != NULL && self->finished, G_MAXUINT);

  project (self, lat, lon, &x, &y);
  for (guint e = 0; e < self->edges->len; e++)
    {
      const BsRoadEdge *edge = &g_array_index (self->edges, BsRoadEdge, e);
      const BsRoadNode *a = &g_array_index (self->nodes, BsRoadNode, edge->from);
      const BsRoadNode *b = &g_array_index (self->nodes, BsRoadNode, edge->to);
      double d = segment_distance (x, y, a->x, a->y, b->x, b->y);

      if (d < best)
        {
          best = d;
          best_index = e;
        }
    }
  if (out_distance_m != NULL)
    *out_distance_m = best;
  return best_index;
}

guint
bs_road_graph_components (BsRoadGraph  *self,
                          guint       **out_components)
{
  guint n = self->nodes->len;
  guint *component = g_new (guint, MAX (n, 1));
  guint *stack = g_new (guint, MAX (n, 1));
  guint n_components = 0;

  g_return_val_if_fail (self->finished, 0);

  for (guint i = 0; i < n; i++)
    component[i] = G_MAXUINT;

  for (guint seed = 0; seed < n; seed++)
    {
      guint top = 0;

      if (component[seed] != G_MAXUINT)
        continue;

      component[seed] = n_components;
      stack[top++] = seed;
      while (top > 0)
        {
          guint node = stack[--top];

          for (guint k = self->all_start[node]; k < self->all_start[node + 1]; k++)
            {
              guint other = bs_road_graph_edge_other_end (self, self->all_edges[k], node);

              if (component[other] == G_MAXUINT)
                {
                  component[other] = n_components;
                  stack[top++] = other;
                }
            }
        }
      n_components++;
    }

  g_free (stack);
  if (out_components != NULL)
    *out_components = component;
  else
    g_free (component);
  return n_components;
}

/* ---- A* ------------------------------------------------------------------------------------- */

typedef struct
{
  double f;
  guint  node;
} HeapItem;

static void
heap_push (GArray   *heap,
           HeapItem  item)
{
  guint i;

  g_array_append_val (heap, item);
  i = heap->len - 1;
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      HeapItem *items = (HeapItem *) heap->data;

      /* Ties broken by node index so that equal-cost paths come out the same every time. */
      if (items[parent].f < items[i].f ||
          (items[parent].f == items[i].f && items[parent].node <= items[i].node))
        break;
      HeapItem tmp = items[parent];
      items[parent] = items[i];
      items[i] = tmp;
      i = parent;
    }
}

static HeapItem
heap_pop (GArray *heap)
{
  HeapItem *items = (HeapItem *) heap->data;
  HeapItem top = items[0];
  guint i = 0;

  items[0] = items[heap->len - 1];
  g_array_set_size (heap, heap->len - 1);
  items = (HeapItem *) heap->data;

  for (;;)
    {
      guint left = 2 * i + 1, right = left + 1, smallest = i;

      if (left < heap->len &&
          (items[left].f < items[smallest].f ||
           (items[left].f == items[smallest].f && items[left].node < items[smallest].node)))
        smallest = left;
      if (right < heap->len &&
          (items[right].f < items[smallest].f ||
           (items[right].f == items[smallest].f && items[right].node < items[smallest].node)))
        smallest = right;
      if (smallest == i)
        break;
      HeapItem tmp = items[smallest];
      items[smallest] = items[i];
      items[i] = tmp;
      i = smallest;
    }
  return top;
}

BsRoadPath *
bs_road_graph_shortest_path (BsRoadGraph *self,
                             guint        from,
                             guint        to,
                             double       max_speed_mps)
{
  guint n;
  g_autofree double *cost = NULL;
  g_autofree guint *via = NULL;
  g_autofree guint8 *done = NULL;
  g_autoptr(GArray) heap = NULL;
  const BsRoadNode *goal;
  BsRoadPath *path;
  double h_speed;
  gboolean found = FALSE;

  g_return_val_if_fail (self != NULL && self->finished, NULL);
  g_return_val_if_fail (from < self->nodes->len && to < self->nodes->len, NULL);

  n = self->nodes->len;
  cost = g_new (double, n);
  via = g_new (guint, n);
  done = g_new0 (guint8, n);
  for (guint i = 0; i < n; i++)
    {
      cost[i] = G_MAXDOUBLE;
      via[i] = G_MAXUINT;
    }

  if (max_speed_mps <= 0)
    max_speed_mps = G_MAXDOUBLE;
  /* Admissible: nothing on the graph is faster than this. */
  h_speed = MIN (max_speed_mps, self->max_speed_mps);
  if (h_speed <= 0)
    h_speed = 1;

  goal = &g_array_index (self->nodes, BsRoadNode, to);
  heap = g_array_sized_new (FALSE, FALSE, sizeof (HeapItem), 64);
  cost[from] = 0;
  heap_push (heap, (HeapItem) { 0, from });

  while (heap->len > 0)
    {
      HeapItem item = heap_pop (heap);
      guint node = item.node;

      if (done[node])
        continue;
      done[node] = TRUE;
      if (node == to)
        {
          found = TRUE;
          break;
        }

      for (guint k = self->out_start[node]; k < self->out_start[node + 1]; k++)
        {
          guint e = self->out_edges[k];
          const BsRoadEdge *edge = &g_array_index (self->edges, BsRoadEdge, e);
          guint other = edge->from == node ? edge->to : edge->from;
          double c;

          if (done[other])
            continue;
          c = cost[node] + edge->length_m / MIN (edge->speed_mps, max_speed_mps);
          if (c < cost[other])
            {
              const BsRoadNode *o = &g_array_index (self->nodes, BsRoadNode, other);
              double h = hypot (goal->x - o->x, goal->y - o->y) / h_speed;

              cost[other] = c;
              via[other] = e;
              heap_push (heap, (HeapItem) { c + h, other });
            }
        }
    }

  if (!found)
    return NULL;

  path = g_new0 (BsRoadPath, 1);
  path->nodes = g_array_new (FALSE, FALSE, sizeof (guint));
  path->edges = g_array_new (FALSE, FALSE, sizeof (guint));
  path->time_s = cost[to];

  for (guint node = to; node != from;)
    {
      guint e = via[node];

      g_array_prepend_val (path->nodes, node);
      g_array_prepend_val (path->edges, e);
      path->length_m += g_array_index (self->edges, BsRoadEdge, e).length_m;
      node = bs_road_graph_edge_other_end (self, e, node);
    }
  g_array_prepend_val (path->nodes, from);
  return path;
}

void
bs_road_path_free (BsRoadPath *path)
{
  if (path == NULL)
    return;
  g_array_unref (path->nodes);
  g_array_unref (path->edges);
  g_free (path);
}

/* ---- Positions ------------------------------------------------------------------------------ */

void
bs_road_graph_interpolate (BsRoadGraph *self,
                           guint        a,
                           guint        b,
                           double       fraction,
                           double      *out_lat,
                           double      *out_lon)
{
  const BsRoadNode *na = bs_road_graph_get_node (self, a);
  const BsRoadNode *nb = bs_road_graph_get_node (self, b);

  fraction = CLAMP (fraction, 0.0, 1.0);
  *out_lat = na->lat + (nb->lat - na->lat) * fraction;
  *out_lon = na->lon + (nb->lon - na->lon) * fraction;
}

double
bs_road_graph_heading (BsRoadGraph *self,
                       guint        a,
                       guint        b)
{
  const BsRoadNode *na = bs_road_graph_get_node (self, a);
  const BsRoadNode *nb = bs_road_graph_get_node (self, b);
  double heading;

  if (na->x == nb->x && na->y == nb->y)
    return 0;
  heading = atan2 (nb->x - na->x, nb->y - na->y) * 180.0 / G_PI;
  if (heading < 0)
    heading += 360.0;
  if (heading >= 360.0)
    heading = 0;
  return heading;
}

void
bs_road_path_position (BsRoadGraph      *self,
                       const BsRoadPath *path,
                       double            distance_m,
                       double           *out_lat,
                       double           *out_lon,
                       double           *out_heading,
                       guint            *out_edge)
{
  double left = MAX (distance_m, 0.0);

  g_return_if_fail (self != NULL && path != NULL);

  if (path->edges->len == 0)
    {
      const BsRoadNode *node = bs_road_graph_get_node (self, g_array_index (path->nodes, guint, 0));

      *out_lat = node->lat;
      *out_lon = node->lon;
      if (out_heading != NULL)
        *out_heading = 0;
      if (out_edge != NULL)
        *out_edge = G_MAXUINT;
      return;
    }

  for (guint i = 0; i < path->edges->len; i++)
    {
      const BsRoadEdge *edge = bs_road_graph_get_edge (self, g_array_index (path->edges, guint, i));
      guint a = g_array_index (path->nodes, guint, i);
      guint b = g_array_index (path->nodes, guint, i + 1);

      if (left <= edge->length_m || i == path->edges->len - 1)
        {
          double fraction = edge->length_m > 0 ? left / edge->length_m : 1.0;

          bs_road_graph_interpolate (self, a, b, fraction, out_lat, out_lon);
          if (out_heading != NULL)
            *out_heading = bs_road_graph_heading (self, a, b);
          if (out_edge != NULL)
            *out_edge = i;
          return;
        }
      left -= edge->length_m;
    }
}
