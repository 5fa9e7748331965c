/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsRoadGraph: the training scenario's street network, for the simulator.
 *
 * Nodes are crossings (and intermediate points of long streets) with WGS-84 positions; edges
 * are straight segments between two nodes with a name, a road class and a speed limit, usable
 * both ways unless one-way. A unit on an edge is always on the straight line between its two
 * nodes (linear in latitude and longitude), which is also what the map draws.
 *
 * Shortest paths minimise travel time where an edge's speed is its limit capped by the
 * vehicle's top speed (A* with the straight-line distance at the fastest possible speed as
 * the heuristic, so it is exact). The graph is immutable once bs_road_graph_finish() ran and
 * may then be shared between threads.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gint64  id;          /* the id in the data file */
  double  lat;
  double  lon;
  double  x;           /* metres east of the graph's origin (local equirectangular plane) */
  double  y;           /* metres north of the graph's origin */
} BsRoadNode;

typedef struct
{
  guint       from;       /* node indices */
  guint       to;
  const char *name;       /* interned; "" when unnamed */
  const char *road_class; /* interned, e.g. "arterial" */
  double      speed_mps;  /* the limit */
  double      length_m;
  gboolean    oneway;     /* from → to only */
} BsRoadEdge;

typedef struct
{
  GArray *nodes;          /* guint node indices, start first; at least one */
  GArray *edges;          /* guint edge indices; nodes->len - 1 of them */
  double  length_m;
  double  time_s;         /* at the speeds the path was searched with */
} BsRoadPath;

typedef struct _BsRoadGraph BsRoadGraph;

BsRoadGraph      *bs_road_graph_new               (void);
BsRoadGraph      *bs_road_graph_ref               (BsRoadGraph  *self);
void              bs_road_graph_unref             (BsRoadGraph  *self);

/* Building: nodes first, then edges, then finish. Node ids must be unique; an edge's nodes
 * must exist (checked by the scenario loader, which names the offending entry). */
guint             bs_road_graph_add_node          (BsRoadGraph  *self,
                                                   gint64        id,
                                                   double        lat,
                                                   double        lon);
guint             bs_road_graph_add_edge          (BsRoadGraph  *self,
                                                   guint         from,
                                                   guint         to,
                                                   const char   *name,
                                                   const char   *road_class,
                                                   double        speed_kmh,
                                                   gboolean      oneway);
void              bs_road_graph_finish            (BsRoadGraph  *self);

guint             bs_road_graph_get_n_nodes       (BsRoadGraph  *self);
guint             bs_road_graph_get_n_edges       (BsRoadGraph  *self);
const BsRoadNode *bs_road_graph_get_node          (BsRoadGraph  *self,
                                                   guint         index);
const BsRoadEdge *bs_road_graph_get_edge          (BsRoadGraph  *self,
                                                   guint         index);
gboolean          bs_road_graph_lookup_node       (BsRoadGraph  *self,
                                                   gint64        id,
                                                   guint        *out_index);
/* The edges that can be driven away from @node (both-way edges and one-way edges starting
 * there); returns their number and points @out_edges at their indices. */
guint             bs_road_graph_get_out_edges     (BsRoadGraph  *self,
                                                   guint         node,
                                                   const guint **out_edges);
/* The node at the other end of @edge seen from @node. */
guint             bs_road_graph_edge_other_end    (BsRoadGraph  *self,
                                                   guint         edge,
                                                   guint         node);

/* The node closest to a position (straight-line distance); @out_distance_m may be NULL. */
guint             bs_road_graph_nearest_node      (BsRoadGraph  *self,
                                                   double        lat,
                                                   double        lon,
                                                   double       *out_distance_m);
/* The edge closest to a position and the distance to it; G_MAXUINT for an empty graph. */
guint             bs_road_graph_nearest_edge      (BsRoadGraph  *self,
                                                   double        lat,
                                                   double        lon,
                                                   double       *out_distance_m);
/* Distance in metres from a position to the segment of @edge. */
double            bs_road_graph_distance_to_edge  (BsRoadGraph  *self,
                                                   guint         edge,
                                                   double        lat,
                                                   double        lon);

/* Connected components, ignoring direction; out_components[i] is node i's component (0 is
 * the component of node 0). Returns the number of components. */
guint             bs_road_graph_components        (BsRoadGraph  *self,
                                                   guint        **out_components);

/* The fastest path between two nodes for a vehicle whose top speed is @max_speed_mps (edges
 * slower than that are driven at their limit); NULL when @to cannot be reached. */
BsRoadPath       *bs_road_graph_shortest_path     (BsRoadGraph  *self,
                                                   guint         from,
                                                   guint         to,
                                                   double        max_speed_mps);
void              bs_road_path_free               (BsRoadPath   *path);

/* The point at @fraction (0…1) of the way from node @a to node @b, and the heading of that
 * direction in degrees clockwise from north, [0, 360). */
void              bs_road_graph_interpolate       (BsRoadGraph  *self,
                                                   guint         a,
                                                   guint         b,
                                                   double        fraction,
                                                   double       *out_lat,
                                                   double       *out_lon);
double            bs_road_graph_heading           (BsRoadGraph  *self,
                                                   guint         a,
                                                   guint         b);
/* The position @distance_m along @path (clamped to its ends), its heading and the index of
 * the path's edge it lies on. */
void              bs_road_path_position           (BsRoadGraph  *self,
                                                   const BsRoadPath *path,
                                                   double        distance_m,
                                                   double       *out_lat,
                                                   double       *out_lon,
                                                   double       *out_heading,
                                                   guint        *out_edge);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsRoadGraph, bs_road_graph_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsRoadPath, bs_road_path_free)

G_END_DECLS
