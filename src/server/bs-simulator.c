/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-simulator.h"

#include <math.h>
#include <string.h>

#include "bc-audit.h"
#include "bc-event-log.h"
#include "bc-json-private.h"

/* How often the wall-clock timer looks how far the scenario clock should be. */
#define TIMER_MS 50
/* A timer firing runs ticks for at most this long, so that requests are served between
 * them; a simulator more than a wall second behind gives the time up rather than freezing
 * the server's main loop to catch up (an overloaded machine plays slower than asked). */
#define FIRING_BUDGET_US (40 * 1000)
/* Consoles extrapolate the scenario clock from sim.state; a sync every scenario minute keeps
 * them within a tick or two. */
#define STATE_SYNC_MS 60000
/* Auto-dispatch: how long to wait when no unit can be found before trying again. */
#define AUTO_DISPATCH_RETRY_MS 60000
#define DAY_US ((gint64) 24 * 3600 * G_USEC_PER_SEC)
#define NONE G_MAXUINT

static const guint valid_speeds[] = { 1, 2, 5, 10, 30 };

/* Invented caller names for random incidents: data, not user interface. */
static const char *const surnames[] = {
  "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
};

typedef enum
{
  ACT_IDLE,       /* standing (at the station, off duty, or stopped) */
  ACT_PATROL,     /* available, wandering the streets near its station */
  ACT_RETURN,     /* available, driving back to its station */
  ACT_HOLD,       /* dispatched: finishes the street it is on and waits for its answer */
  ACT_RESPOND,    /* en route to an incident */
  ACT_ON_SCENE,
} Activity;

typedef struct
{
  guint                 index;
  gint64                id;
  const BsScenarioUnit *def;
  guint                 home;         /* its station's road node */
  double                top_speed;    /* m/s */
  gboolean              patrols;

  /* as the repo last told us */
  BcUnitStatus          status;
  gint64                incident;
  gint64                version;

  Activity              activity;

  /* Position: on edge `edge` from node `from` towards `to`, `along` metres in; or standing
   * at node `to` when edge is NONE (mid-edge when `along` > 0 and it stopped there). */
  guint                 edge;
  guint                 from;
  guint                 to;
  double                along;
  guint                 came_by;      /* the last edge driven: patrols avoid U-turns */
  GArray               *route;        /* edges still to drive after `to` */
  guint                 route_pos;
  guint                 dest;         /* where the route ends */
  double                speed;        /* m/s now */
  double                heading;
  gboolean              moved;        /* since the last AVL fix */
  gint64                last_report_ms;
  GRand                *rand;         /* patrol choices: independent per unit */
} SimUnit;

typedef struct
{
  gint64            id;
  BcIncidentType    type;
  int               priority;
  BcIncidentStatus  status;
  double            lat;
  double            lon;
  guint             node;
  guint             dispatch_attempts;  /* auto-dispatch: each try has its own key */
} SimIncident;

typedef enum
{
  ACTION_ACK,
  ACTION_CLEAR,
  ACTION_AUTO_DISPATCH,
} ActionKind;

typedef struct
{
  gint64      due_ms;
  guint64     seq;       /* FIFO among actions due at the same time */
  ActionKind  kind;
  gint64      order;
  gint64      unit;
  gint64      incident;
  gboolean    accept;
} Action;

struct _BsSimulator
{
  GObject        parent_instance;

  BsRepo        *repo;
  BcStore       *store;
  BsScenario    *scenario;
  BsRoadGraph   *roads;
  guint64        seed;
  GMainContext  *context;
  gulong         hook_id;
  BsActor        actor;

  /* clock */
  guint          run;
  gint64         run_start_us;
  gint64         elapsed_ms;
  gboolean       playing;
  guint          speed;
  GSource       *timer;
  gint64         wall_anchor_us;   /* monotonic time at which … */
  gint64         sim_anchor_ms;    /* … the scenario was this far */
  gboolean       behind;           /* said once that it cannot keep up */

  /* run state */
  GPtrArray     *units;            /* SimUnit, scenario order */
  GHashTable    *unit_by_id;       /* gint64* -> SimUnit */
  GHashTable    *incidents;        /* gint64* -> SimIncident */
  GQueue         actions;          /* Action, sorted by (due_ms, seq) */
  guint64        action_seq;
  guint          next_script;
  gint64         next_state_ms;
  GRand         *rng_incidents;
  GRand         *rng_behaviour;
  gboolean       auto_dispatch;

  /* commit hook */
  gint64         last_seen_seq;
  gboolean       ignore_commits;   /* our own AVL batches and run setup */
};

G_DEFINE_FINAL_TYPE (BsSimulator, bs_simulator, G_TYPE_OBJECT)

/* ---- Small helpers -------------------------------------------------------------------------- */

static gint64
now_us (BsSimulator *self)
{
  return self->run_start_us + self->elapsed_ms * 1000;
}

static gint64
sim_clock (gpointer user_data)
{
  return now_us (user_data);
}

static double
range_draw (GRand         *rand,
            const BsRange *range)
{
  return range->min + g_rand_double (rand) * (range->max - range->min);
}

static gint64
seconds_to_ms (double seconds)
{
  return (gint64) llround (seconds * 1000.0);
}

static GRand *
new_rand (guint64 seed,
          guint32 stream,
          guint32 index)
{
  guint32 words[4] = { (guint32) seed, (guint32) (seed >> 32), stream, index };

  return g_rand_new_with_seed_array (words, G_N_ELEMENTS (words));
}

static SimUnit *
lookup_unit (BsSimulator *self,
             gint64       id)
{
  return g_hash_table_lookup (self->unit_by_id, &id);
}

static SimIncident *
lookup_incident (BsSimulator *self,
                 gint64       id)
{
  return g_hash_table_lookup (self->incidents, &id);
}

static void
sim_unit_free (SimUnit *u)
{
  g_array_unref (u->route);
  g_rand_free (u->rand);
  g_free (u);
}

static void
unit_position (BsSimulator *self,
               SimUnit     *u,
               double      *lat,
               double      *lon)
{
  if (u->edge != NONE)
    {
      const BsRoadEdge *e = bs_road_graph_get_edge (self->roads, u->edge);

      bs_road_graph_interpolate (self->roads, u->from, u->to,
                                 e->length_m > 0 ? u->along / e->length_m : 1.0, lat, lon);
    }
  else
    {
      const BsRoadNode *n = bs_road_graph_get_node (self->roads, u->to);
      *lat = n->lat;
      *lon = n->lon;
    }
}

/* ---- Actions -------------------------------------------------------------------------------- */

static void
schedule (BsSimulator *self,
          gint64       delay_ms,
          Action       action)
{
  Action *a = g_new (Action, 1);
  GList *l;

  *a = action;
  a->due_ms = self->elapsed_ms + MAX (delay_ms, 0);
  a->seq = self->action_seq++;

  /* Few actions are pending at a time; walk from the back, where new ones usually go. */
  for (l = self->actions.tail; l != NULL; l = l->prev)
    {
      Action *other = l->data;

      if (other->due_ms <= a->due_ms)
        break;
    }
  if (l == NULL)
    g_queue_push_head (&self->actions, a);
  else
    g_queue_insert_after (&self->actions, l, a);
}

/* ---- Movement ------------------------------------------------------------------------------- */

static void
stop_route (SimUnit *u)
{
  g_array_set_size (u->route, 0);
  u->route_pos = 0;
}

/* Plans the fastest way to @dest from where the unit is (finishing the edge it is on). */
static void
plan_route (BsSimulator *self,
            SimUnit     *u,
            guint        dest)
{
  g_autoptr(BsRoadPath) path = NULL;

  stop_route (u);
  u->dest = dest;
  path = bs_road_graph_shortest_path (self->roads, u->to, dest, u->top_speed);
  if (path == NULL)
    {
      /* Only possible with one-way streets; the loader checks that the graph is connected. */
      g_debug ("Simulator: no road from node %u to node %u for %s", u->to, dest,
               u->def->call_sign);
      u->dest = u->to;
      return;
    }
  g_array_append_vals (u->route, path->edges->data, path->edges->len);
}

static double
edge_speed (BsSimulator      *self,
            SimUnit          *u,
            const BsRoadEdge *e)
{
  double v = MIN (e->speed_mps, u->top_speed);

  /* Patrols cruise; foot patrols walk at their pace either way. */
  if ((u->activity == ACT_PATROL || u->activity == ACT_RETURN) &&
      u->def->kind != BC_UNIT_KIND_FOOT)
    v *= self->scenario->behaviour.patrol_speed_factor;
  return MAX (v, 0.1);
}

static double
node_distance (BsSimulator *self,
               guint        a,
               guint        b)
{
  const BsRoadNode *na = bs_road_graph_get_node (self->roads, a);
  const BsRoadNode *nb = bs_road_graph_get_node (self->roads, b);

  return hypot (na->x - nb->x, na->y - nb->y);
}

/* A random street out of the unit's node: no U-turn unless it is a dead end, and within the
 * patrol radius of its station; a unit outside the radius heads back towards it. */
static guint
patrol_next_edge (BsSimulator *self,
                  SimUnit     *u)
{
  const guint *edges;
  guint n = bs_road_graph_get_out_edges (self->roads, u->to, &edges);
  guint candidates[64];
  guint n_candidates = 0;
  double radius = self->scenario->behaviour.patrol_radius_m;
  double here = node_distance (self, u->to, u->home);
  guint best = NONE;
  double best_distance = G_MAXDOUBLE;

  if (n == 0)
    return NONE;

  for (guint i = 0; i < n && n_candidates < G_N_ELEMENTS (candidates); i++)
    {
      guint other = bs_road_graph_edge_other_end (self->roads, edges[i], u->to);
      double d = node_distance (self, other, u->home);

      if (edges[i] == u->came_by && n > 1)
        continue;
      if (d < best_distance)
        {
          best_distance = d;
          best = edges[i];
        }
      if (d <= radius || d < here)
        candidates[n_candidates++] = edges[i];
    }

  if (n_candidates == 0)
    return best != NONE ? best : edges[0];
  return candidates[g_rand_int_range (u->rand, 0, (gint32) n_candidates)];
}

static guint
next_edge (BsSimulator *self,
           SimUnit     *u)
{
  switch (u->activity)
    {
    case ACT_PATROL:
      return patrol_next_edge (self, u);
    case ACT_RETURN:
    case ACT_RESPOND:
      if (u->route_pos < u->route->len)
        return g_array_index (u->route, guint, u->route_pos++);
      return NONE;
    case ACT_IDLE:
    case ACT_HOLD:
    case ACT_ON_SCENE:
    default:
      return NONE;
    }
}

static gboolean
activity_moves (Activity activity)
{
  return activity == ACT_PATROL || activity == ACT_RETURN || activity == ACT_RESPOND ||
         activity == ACT_HOLD;
}

/* Advances the unit by @dt seconds along its way. */
static void
move_unit (BsSimulator *self,
           SimUnit     *u,
           double       dt)
{
  double left = dt;
  double v = 0;

  if (!activity_moves (u->activity))
    {
      u->speed = 0;
      return;
    }

  while (left > 1e-9)
    {
      const BsRoadEdge *e;
      double need;

      /* A unit stopped mid-edge (put on scene there by a dispatcher) keeps its edge and
       * finishes it when it moves again. */
      if (u->edge == NONE)
        {
          guint next = next_edge (self, u);

          if (next == NONE)
            break;
          u->edge = next;
          u->from = u->to;
          u->to = bs_road_graph_edge_other_end (self->roads, next, u->from);
          u->along = 0;
          u->heading = bs_road_graph_heading (self->roads, u->from, u->to);
        }

      e = bs_road_graph_get_edge (self->roads, u->edge);
      v = edge_speed (self, u, e);
      need = (e->length_m - u->along) / v;
      u->moved = TRUE;
      if (need <= left)
        {
          left -= need;
          u->along = 0;
          u->came_by = u->edge;
          u->edge = NONE;
          /* A dispatched unit stops at the end of the street it was on. */
          if (u->activity == ACT_HOLD)
            break;
        }
      else
        {
          u->along += v * left;
          left = 0;
        }
    }

  u->speed = u->edge != NONE ? v : 0;
}

/* ---- Repo commands -------------------------------------------------------------------------- */

static void
log_command_error (const char   *what,
                   SimUnit      *u,
                   const GError *error)
{
  /* Expected when a person acted first (closed the incident, recalled the unit…). */
  g_debug ("Simulator: %s for %s: %s", what, u != NULL ? u->def->call_sign : "-",
           error->message);
}

static gboolean
set_unit_status (BsSimulator  *self,
                 SimUnit      *u,
                 BcUnitStatus  status,
                 GError      **error)
{
  g_autoptr(BcUnit) done = NULL;
  g_autoptr(GError) local_error = NULL;

  done = bs_repo_update_unit_status (self->repo, u->id, status, u->version, &self->actor,
                                     &local_error);
  if (done == NULL && g_error_matches (local_error, BS_REPO_ERROR,
                                       BS_REPO_ERROR_STALE_VERSION))
    {
      g_autoptr(BcUnit) fresh = bs_repo_get_unit (self->repo, u->id, NULL);

      g_clear_error (&local_error);
      if (fresh != NULL)
        {
          u->version = bc_unit_get_version (fresh);
          done = bs_repo_update_unit_status (self->repo, u->id, status, u->version, &self->actor,
                                             &local_error);
        }
    }
  if (done == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static void
arrive (BsSimulator *self,
        SimUnit     *u)
{
  g_autoptr(GError) error = NULL;

  if (u->status != BC_UNIT_STATUS_EN_ROUTE && u->status != BC_UNIT_STATUS_DISPATCHED)
    return;
  if (!set_unit_status (self, u, BC_UNIT_STATUS_ON_SCENE, &error))
    {
      log_command_error ("arrival", u, error);
      /* Do not try again every tick. */
      u->activity = ACT_IDLE;
    }
}

static void
flush_avl (BsSimulator *self)
{
  g_autoptr(GArray) fixes = g_array_sized_new (FALSE, FALSE, sizeof (BsAvlFix),
                                               self->units->len);
  g_autoptr(GError) error = NULL;
  gint64 idle_ms = seconds_to_ms (self->scenario->behaviour.avl_idle_interval_s);
  gint64 now = now_us (self);
  gboolean ignoring;

  for (guint i = 0; i < self->units->len; i++)
    {
      SimUnit *u = g_ptr_array_index (self->units, i);
      BsAvlFix fix;

      if (!u->moved && self->elapsed_ms - u->last_report_ms < idle_ms)
        continue;

      fix.unit = u->id;
      unit_position (self, u, &fix.lat, &fix.lon);
      fix.heading = u->heading;
      fix.speed = MIN (u->speed, 100.0);
      fix.at = now;
      g_array_append_val (fixes, fix);
      u->moved = FALSE;
      u->last_report_ms = self->elapsed_ms;
    }

  if (fixes->len == 0)
    return;

  /* The sim's own fixes need no reaction: skip reading them back in the commit hook. */
  ignoring = self->ignore_commits;
  self->ignore_commits = TRUE;
  if (!bs_repo_ingest_avl (self->repo, (BsAvlFix *) fixes->data, fixes->len, &self->actor,
                           &error))
    g_warning ("Simulator: AVL batch failed: %s", error->message);
  self->ignore_commits = ignoring;
}

static BcIncident *
create_incident (BsSimulator     *self,
                 BcIncidentType   type,
                 int              priority,
                 double           lat,
                 double           lon,
                 const char      *address,
                 const char      *caller_name,
                 const char      *caller_phone,
                 const char      *description,
                 GError         **error)
{
  g_autoptr(BcIncident) draft = bc_incident_new ();

  bc_incident_set_incident_type (draft, type);
  bc_incident_set_priority (draft, priority);
  bc_incident_set_location (draft, lat, lon);
  bc_incident_set_address (draft, address);
  bc_incident_set_caller_name (draft, caller_name);
  bc_incident_set_caller_phone (draft, caller_phone);
  bc_incident_set_description (draft, description);
  return bs_repo_create_incident (self->repo, draft, &self->actor, error);
}

static void
create_scripted (BsSimulator              *self,
                 const BsScenarioIncident *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = NULL;

  incident = create_incident (self, s->type, s->priority, s->lat, s->lon, s->address,
                              s->caller_name, s->caller_phone, s->description, &error);
  if (incident == NULL)
    g_warning ("Simulator: scripted incident at %" G_GINT64_FORMAT " s failed: %s",
               s->at_ms / 1000, error->message);
}

static guint
weighted_pick (GRand        *rand,
               const double *weights,
               guint         n)
{
  double total = 0, r;

  for (guint i = 0; i < n; i++)
    total += weights[i];
  r = g_rand_double (rand) * total;
  for (guint i = 0; i < n; i++)
    {
      if (r < weights[i])
        return i;
      r -= weights[i];
    }
  return n - 1;
}

/* One random incident; every draw from rng_incidents happens in a fixed order. */
static void
create_random (BsSimulator *self)
{
  BsScenario *scenario = self->scenario;
  g_autofree double *weights = g_new (double, scenario->random_mix->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = NULL;
  g_autofree char *address = NULL;
  g_autofree char *caller = NULL;
  g_autofree char *phone = NULL;
  const BsScenarioMix *mix;
  const BsRoadNode *node;
  const char *description = NULL;
  guint priority, surname;
  gboolean male;

  for (guint i = 0; i < scenario->random_mix->len; i++)
    weights[i] = g_array_index (scenario->random_mix, BsScenarioMix, i).weight;
  mix = &g_array_index (scenario->random_mix, BsScenarioMix,
                        weighted_pick (self->rng_incidents, weights, scenario->random_mix->len));
  priority = weighted_pick (self->rng_incidents, mix->priorities, 4) + 1;
  node = bs_road_graph_get_node (self->roads,
                                 (guint) g_rand_int_range (self->rng_incidents, 0,
                                                           (gint32) bs_road_graph_get_n_nodes (self->roads)));
  if (mix->descriptions->len > 0)
    description = g_ptr_array_index (mix->descriptions,
                                     g_rand_int_range (self->rng_incidents, 0,
                                                       (gint32) mix->descriptions->len));
  surname = (guint) g_rand_int_range (self->rng_incidents, 0, G_N_ELEMENTS (surnames));
  male = g_rand_boolean (self->rng_incidents);
  caller = g_strdup_printf ("%s%s", surnames[surname], male ? "先生" : "女士");
  phone = g_strdup_printf ("1390000%04d", g_rand_int_range (self->rng_incidents, 0, 10000));
  address = bs_scenario_describe_place (scenario, node->lat, node->lon);

  incident = create_incident (self, mix->type, (int) priority, node->lat, node->lon, address,
                              caller, phone, description, &error);
  if (incident == NULL)
    g_warning ("Simulator: random incident failed: %s", error->message);
}

/* ---- Reacting to what happened (commit hook) ------------------------------------------------ */

static void
begin_free (BsSimulator *self,
            SimUnit     *u)
{
  stop_route (u);
  if (self->scenario->behaviour.patrol && u->patrols)
    {
      u->activity = ACT_PATROL;
      return;
    }
  if (u->edge == NONE && u->along == 0 && u->to == u->home)
    {
      u->activity = ACT_IDLE;
      return;
    }
  u->activity = ACT_RETURN;
  plan_route (self, u, u->home);
}

static SimIncident *
incident_for (BsSimulator *self,
              gint64       id)
{
  SimIncident *si = lookup_incident (self, id);

  if (si == NULL)
    {
      /* Created before this run's hook saw it (e.g. by another process). */
      g_autoptr(BcIncident) incident = bs_repo_get_incident (self->repo, id, NULL);

      if (incident == NULL)
        return NULL;
      si = g_new0 (SimIncident, 1);
      si->id = id;
      si->type = bc_incident_get_incident_type (incident);
      si->priority = bc_incident_get_priority (incident);
      si->status = bc_incident_get_status (incident);
      si->lat = bc_incident_get_lat (incident);
      si->lon = bc_incident_get_lon (incident);
      si->node = bs_road_graph_nearest_node (self->roads, si->lat, si->lon, NULL);
      g_hash_table_insert (self->incidents, g_memdup2 (&si->id, sizeof si->id), si);
    }
  return si;
}

static void
begin_respond (BsSimulator *self,
               SimUnit     *u)
{
  SimIncident *si = incident_for (self, u->incident);

  if (si == NULL)
    return;
  u->activity = ACT_RESPOND;
  plan_route (self, u, si->node);
}

static void
begin_on_scene (BsSimulator *self,
                SimUnit     *u)
{
  SimIncident *si = incident_for (self, u->incident);
  const BsRange *range;

  stop_route (u);
  u->activity = ACT_ON_SCENE;
  u->speed = 0;
  u->moved = TRUE;   /* report the stop */
  if (si == NULL)
    return;
  range = &self->scenario->behaviour.on_scene_s[si->type];
  schedule (self, seconds_to_ms (range_draw (self->rng_behaviour, range)),
            (Action) { .kind = ACTION_CLEAR, .unit = u->id, .incident = u->incident });
}

static void
on_unit_updated (BsSimulator *self,
                 BcUnit      *unit)
{
  SimUnit *u = lookup_unit (self, bc_unit_get_id (unit));
  BcUnitStatus status;

  if (u == NULL || bc_unit_get_version (unit) < u->version)
    return;

  status = bc_unit_get_status (unit);
  u->status = status;
  u->incident = bc_unit_get_incident (unit);
  u->version = bc_unit_get_version (unit);

  switch (status)
    {
    case BC_UNIT_STATUS_AVAILABLE:
      if (u->activity == ACT_HOLD || u->activity == ACT_RESPOND ||
          u->activity == ACT_ON_SCENE || u->activity == ACT_IDLE)
        begin_free (self, u);
      break;
    case BC_UNIT_STATUS_DISPATCHED:
      stop_route (u);
      u->activity = ACT_HOLD;
      break;
    case BC_UNIT_STATUS_EN_ROUTE:
      if (u->activity != ACT_RESPOND)
        begin_respond (self, u);
      break;
    case BC_UNIT_STATUS_ON_SCENE:
      if (u->activity != ACT_ON_SCENE)
        begin_on_scene (self, u);
      break;
    case BC_UNIT_STATUS_OFF_DUTY:
    default:
      stop_route (u);
      u->activity = ACT_IDLE;
      break;
    }
}

static void
on_order_created (BsSimulator *self,
                  BcOrder     *order)
{
  const BsScenarioBehaviour *b = &self->scenario->behaviour;

  for (guint i = 0; i < order->units->len; i++)
    {
      const BcOrderAssignment *a = &g_array_index (order->units, BcOrderAssignment, i);
      double delay;
      gboolean accept;

      if (a->state != BC_ORDER_UNIT_STATE_SENT || lookup_unit (self, a->unit) == NULL)
        continue;
      delay = range_draw (self->rng_behaviour, &b->ack_delay_s);
      accept = g_rand_double (self->rng_behaviour) >= b->refuse_probability;
      schedule (self, seconds_to_ms (delay),
                (Action) { .kind = ACTION_ACK, .order = order->id, .unit = a->unit,
                           .incident = order->incident, .accept = accept });
    }
}

static void
schedule_auto_dispatch (BsSimulator *self,
                        gint64       incident)
{
  const BsRange *range = &self->scenario->behaviour.auto_dispatch_delay_s;

  schedule (self, seconds_to_ms (range_draw (self->rng_behaviour, range)),
            (Action) { .kind = ACTION_AUTO_DISPATCH, .incident = incident });
}

static void
on_incident (BsSimulator *self,
             BcIncident  *incident,
             gboolean     created)
{
  gint64 id = bc_incident_get_id (incident);
  SimIncident *si = lookup_incident (self, id);
  BcIncidentStatus before;
  gboolean moved;

  if (si == NULL)
    {
      si = g_new0 (SimIncident, 1);
      si->id = id;
      si->status = bc_incident_get_status (incident);
      g_hash_table_insert (self->incidents, g_memdup2 (&si->id, sizeof si->id), si);
    }
  before = si->status;
  moved = si->lat != bc_incident_get_lat (incident) || si->lon != bc_incident_get_lon (incident);

  si->type = bc_incident_get_incident_type (incident);
  si->priority = bc_incident_get_priority (incident);
  si->status = bc_incident_get_status (incident);
  si->lat = bc_incident_get_lat (incident);
  si->lon = bc_incident_get_lon (incident);
  if (moved)
    si->node = bs_road_graph_nearest_node (self->roads, si->lat, si->lon, NULL);

  if (self->auto_dispatch && si->status == BC_INCIDENT_STATUS_NEW &&
      (created || before != BC_INCIDENT_STATUS_NEW))
    schedule_auto_dispatch (self, id);

  /* A dispatcher moved the incident: the units on their way follow. */
  if (!created && moved)
    for (guint i = 0; i < self->units->len; i++)
      {
        SimUnit *u = g_ptr_array_index (self->units, i);

        if (u->incident == id && u->activity == ACT_RESPOND)
          plan_route (self, u, si->node);
      }
}

static void
handle_event (BsSimulator *self,
              BcEventRow  *row)
{
  g_autoptr(JsonNode) data = NULL;
  g_autoptr(GError) error = NULL;
  gboolean created;

  if (strcmp (row->type, BC_EVENT_UNIT_UPDATED) != 0 &&
      strcmp (row->type, BC_EVENT_ORDER_CREATED) != 0 &&
      strcmp (row->type, BC_EVENT_INCIDENT_CREATED) != 0 &&
      strcmp (row->type, BC_EVENT_INCIDENT_UPDATED) != 0)
    return;

  data = json_from_string (row->data, &error);
  if (data == NULL)
    {
      g_warning ("Simulator: event %" G_GINT64_FORMAT " is not JSON: %s", row->seq,
                 error->message);
      return;
    }

  if (strcmp (row->type, BC_EVENT_UNIT_UPDATED) == 0)
    {
      g_autoptr(BcUnit) unit = bc_unit_from_json (data, &error);
      if (unit != NULL)
        on_unit_updated (self, unit);
    }
  else if (strcmp (row->type, BC_EVENT_ORDER_CREATED) == 0)
    {
      g_autoptr(BcOrder) order = bc_order_from_json (data, &error);
      if (order != NULL)
        on_order_created (self, order);
    }
  else if ((created = strcmp (row->type, BC_EVENT_INCIDENT_CREATED) == 0) ||
           strcmp (row->type, BC_EVENT_INCIDENT_UPDATED) == 0)
    {
      g_autoptr(BcIncident) incident = bc_incident_from_json (data, &error);
      if (incident != NULL)
        on_incident (self, incident, created);
    }

  if (error != NULL)
    g_warning ("Simulator: cannot read event %" G_GINT64_FORMAT " (%s): %s", row->seq,
               row->type, error->message);
}

static void
on_commit (BcStore      *store,
           const gint64 *seqs,
           guint         n_seqs,
           gpointer      user_data)
{
  BsSimulator *self = user_data;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  if (n_seqs == 0)
    return;
  if (self->ignore_commits)
    {
      self->last_seen_seq = MAX (self->last_seen_seq, seqs[n_seqs - 1]);
      return;
    }

  /* Everything since the last event seen, so that nothing is skipped. */
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_event_row_free);
  if (!bc_event_log_read (store, self->last_seen_seq, 0, rows, &error))
    {
      g_warning ("Simulator: cannot read the event log: %s", error->message);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      BcEventRow *row = g_ptr_array_index (rows, i);

      self->last_seen_seq = MAX (self->last_seen_seq, row->seq);
      handle_event (self, row);
    }
}

/* ---- Actions, executed ---------------------------------------------------------------------- */

static void
do_ack (BsSimulator  *self,
        const Action *a)
{
  SimUnit *u = lookup_unit (self, a->unit);
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(GError) error = NULL;

  /* Recalled or the incident closed meanwhile: nothing to answer. */
  if (u == NULL || u->status != BC_UNIT_STATUS_DISPATCHED || u->incident != a->incident)
    return;
  order = bs_repo_ack_order (self->repo, a->order, a->unit, a->accept, &self->actor, &error);
  if (order == NULL)
    log_command_error ("acknowledgement", u, error);
}

static const char *
pick_disposition (BsSimulator *self)
{
  GPtrArray *codes = self->scenario->behaviour.dispositions;

  return g_ptr_array_index (codes, g_rand_int_range (self->rng_behaviour, 0,
                                                     (gint32) codes->len));
}

/* Time on scene is over: the last unit there closes the incident, others just leave. */
static void
do_clear (BsSimulator  *self,
          const Action *a)
{
  SimUnit *u = lookup_unit (self, a->unit);
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(GError) error = NULL;
  const char *disposition;
  const gint64 *units;
  guint n_units = 0;
  gboolean others = FALSE;

  if (u == NULL || u->status != BC_UNIT_STATUS_ON_SCENE || u->incident != a->incident)
    return;

  /* Drawn in any case, so that the random sequence does not depend on who else is there. */
  disposition = pick_disposition (self);

  incident = bs_repo_get_incident (self->repo, a->incident, &error);
  if (incident == NULL)
    {
      log_command_error ("clearing", u, error);
      return;
    }

  units = bc_incident_get_units (incident, &n_units);
  for (guint i = 0; i < n_units; i++)
    if (units[i] != u->id)
      {
        SimUnit *other = lookup_unit (self, units[i]);

        /* A unit that is not simulated belongs to a person, who closes. */
        if (other == NULL || other->status != BC_UNIT_STATUS_AVAILABLE)
          others = TRUE;
      }

  if (!others && bc_incident_is_open (incident))
    {
      g_autoptr(JsonObject) changes = json_object_new ();
      g_autoptr(BcIncident) closed = NULL;

      json_object_set_string_member (changes, "status", "closed");
      json_object_set_string_member (changes, "disposition", disposition);
      closed = bs_repo_update_incident (self->repo, a->incident,
                                        bc_incident_get_version (incident), changes,
                                        &self->actor, &error);
      if (closed != NULL)
        return;
      log_command_error ("closing", u, error);
      g_clear_error (&error);
    }

  if (!set_unit_status (self, u, BC_UNIT_STATUS_AVAILABLE, &error))
    log_command_error ("clearing", u, error);
}

static void
do_auto_dispatch (BsSimulator  *self,
                  const Action *a)
{
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(GArray) recs = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  SimIncident *si;
  gint64 ids[2];
  guint n;

  if (!self->auto_dispatch)
    return;
  incident = bs_repo_get_incident (self->repo, a->incident, NULL);
  if (incident == NULL || bc_incident_get_status (incident) != BC_INCIDENT_STATUS_NEW)
    return;

  recs = bs_repo_recommend (self->repo, a->incident,
                            bc_incident_get_priority (incident) == 1 ? 2 : 1, &error);
  if (recs == NULL || recs->len == 0)
    {
      schedule (self, AUTO_DISPATCH_RETRY_MS,
                (Action) { .kind = ACTION_AUTO_DISPATCH, .incident = a->incident });
      return;
    }

  n = MIN (recs->len, G_N_ELEMENTS (ids));
  for (guint i = 0; i < n; i++)
    ids[i] = bc_unit_get_id (g_array_index (recs, BsRecommendation, i).unit);
  /* A new key for every order: after a refusal the incident is dispatched again. */
  si = incident_for (self, a->incident);
  key = g_strdup_printf ("sim-%u-%" G_GINT64_FORMAT "-%u", self->run, a->incident,
                         si != NULL ? si->dispatch_attempts++ : 0);
  order = bs_repo_dispatch (self->repo, a->incident, ids, n, "训练：模拟器自动派警", key, key,
                            &self->actor, NULL, &error);
  if (order == NULL)
    {
      g_debug ("Simulator: auto-dispatch of incident %" G_GINT64_FORMAT " failed: %s",
               a->incident, error->message);
      schedule (self, AUTO_DISPATCH_RETRY_MS,
                (Action) { .kind = ACTION_AUTO_DISPATCH, .incident = a->incident });
    }
}

static void
run_action (BsSimulator  *self,
            const Action *a)
{
  switch (a->kind)
    {
    case ACTION_ACK:
      do_ack (self, a);
      break;
    case ACTION_CLEAR:
      do_clear (self, a);
      break;
    case ACTION_AUTO_DISPATCH:
      do_auto_dispatch (self, a);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- State events --------------------------------------------------------------------------- */

JsonNode *
bs_simulator_get_state (BsSimulator *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *start = NULL;
  g_autofree char *clock = NULL;

  g_return_val_if_fail (BS_IS_SIMULATOR (self), NULL);

  start = bc_time_format (self->run_start_us);
  clock = bc_time_format (now_us (self));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "scenario");
  json_builder_add_string_value (b, self->scenario->name);
  json_builder_set_member_name (b, "notice");
  json_builder_add_string_value (b, self->scenario->notice);
  json_builder_set_member_name (b, "run");
  json_builder_add_int_value (b, self->run);
  json_builder_set_member_name (b, "start");
  json_builder_add_string_value (b, start);
  json_builder_set_member_name (b, "clock");
  json_builder_add_string_value (b, clock);
  json_builder_set_member_name (b, "elapsed_s");
  json_builder_add_double_value (b, self->elapsed_ms / 1000.0);
  json_builder_set_member_name (b, "duration_s");
  json_builder_add_int_value (b, self->scenario->duration_s);
  json_builder_set_member_name (b, "speed");
  json_builder_add_int_value (b, self->speed);
  json_builder_set_member_name (b, "playing");
  json_builder_add_boolean_value (b, self->playing);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) (self->seed & G_MAXINT64));
  json_builder_set_member_name (b, "tick_ms");
  json_builder_add_int_value (b, BS_SIMULATOR_TICK_MS);
  json_builder_set_member_name (b, "auto_dispatch");
  json_builder_add_boolean_value (b, self->auto_dispatch);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

typedef struct
{
  BsSimulator   *self;
  const BsActor *actor;
  const char    *action;
  gboolean       reset;
} StateCommand;

static gboolean
state_command (BcStore  *store,
               gpointer  user_data,
               GError  **error)
{
  StateCommand *cmd = user_data;
  g_autoptr(JsonNode) data = bs_simulator_get_state (cmd->self);
  gint64 at = now_us (cmd->self);

  json_object_set_boolean_member (json_node_get_object (data), "reset", cmd->reset);
  if (cmd->action != NULL)
    json_object_set_string_member (json_node_get_object (data), "action", cmd->action);

  if (!bc_event_log_append (store, BC_EVENT_SIM_STATE, at, data, NULL, error))
    return FALSE;

  /* A trainer's control of the exercise is an action like any other: it is audited. */
  if (cmd->actor != NULL)
    {
      g_autofree char *action = g_strdup_printf ("sim.%s", cmd->action);
      g_autofree char *detail = json_to_string (data, FALSE);

      if (!bc_audit_append (store, at, cmd->actor->username, bc_role_to_string (cmd->actor->role),
                            cmd->actor->remote, action, "sim", detail, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
record_state (BsSimulator    *self,
              const BsActor  *actor,
              const char     *action,
              gboolean        reset,
              GError        **error)
{
  StateCommand cmd = { self, actor, action, reset };

  return bc_store_run_command (self->store, state_command, &cmd, error);
}

/* ---- The tick ------------------------------------------------------------------------------- */

static void
tick (BsSimulator *self)
{
  BsScenario *scenario = self->scenario;
  gint64 avl_ms = MAX (seconds_to_ms (scenario->behaviour.avl_interval_s),
                       BS_SIMULATOR_TICK_MS);
  double rate;

  self->elapsed_ms += BS_SIMULATOR_TICK_MS;

  /* 1. the script */
  while (self->next_script < scenario->incidents->len &&
         g_array_index (scenario->incidents, BsScenarioIncident, self->next_script).at_ms
         <= self->elapsed_ms)
    create_scripted (self, &g_array_index (scenario->incidents, BsScenarioIncident,
                                           self->next_script++));

  /* 2. random incidents: a Poisson process at the hour's rate, one draw per tick */
  rate = scenario->random_per_hour[bs_scenario_local_hour (now_us (self))];
  if (scenario->random_mix->len > 0 && rate > 0 &&
      g_rand_double (self->rng_incidents) < rate * BS_SIMULATOR_TICK_MS / 3600000.0)
    create_random (self);

  /* 3. what is due: acknowledgements, clearing, auto-dispatch */
  while (!g_queue_is_empty (&self->actions) &&
         ((Action *) g_queue_peek_head (&self->actions))->due_ms <= self->elapsed_ms)
    {
      g_autofree Action *a = g_queue_pop_head (&self->actions);
      run_action (self, a);
    }

  /* 4. movement, and arrivals */
  for (guint i = 0; i < self->units->len; i++)
    {
      SimUnit *u = g_ptr_array_index (self->units, i);

      move_unit (self, u, BS_SIMULATOR_TICK_MS / 1000.0);
      if (u->activity == ACT_RESPOND && u->edge == NONE && u->along == 0 &&
          u->route_pos >= u->route->len && u->to == u->dest)
        arrive (self, u);
      else if (u->activity == ACT_RETURN && u->edge == NONE && u->along == 0 &&
               u->route_pos >= u->route->len)
        u->activity = ACT_IDLE;
    }

  /* 5. positions */
  if (self->elapsed_ms % avl_ms == 0)
    flush_avl (self);

  /* 6. a clock sync for consoles */
  if (self->elapsed_ms >= self->next_state_ms)
    {
      g_autoptr(GError) error = NULL;

      self->next_state_ms += STATE_SYNC_MS;
      if (!record_state (self, NULL, "sync", FALSE, &error))
        g_warning ("Simulator: cannot record its state: %s", error->message);
    }
}

void
bs_simulator_step (BsSimulator *self,
                   guint        n_ticks)
{
  g_return_if_fail (BS_IS_SIMULATOR (self));

  for (guint i = 0; i < n_ticks; i++)
    tick (self);
}

/* ---- Wall clock ----------------------------------------------------------------------------- */

static void
rebase (BsSimulator *self)
{
  self->wall_anchor_us = g_get_monotonic_time ();
  self->sim_anchor_ms = self->elapsed_ms;
}

static gboolean
on_timer (gpointer user_data)
{
  BsSimulator *self = user_data;
  gint64 wall = g_get_monotonic_time ();
  gint64 target = self->sim_anchor_ms + (wall - self->wall_anchor_us) / 1000 * self->speed;

  while (self->playing && self->elapsed_ms + BS_SIMULATOR_TICK_MS <= target)
    {
      tick (self);
      if (g_get_monotonic_time () - wall > FIRING_BUDGET_US)
        break;
    }

  if (self->playing && target - self->elapsed_ms > (gint64) self->speed * 1000)
    {
      if (!self->behind)
        g_message ("Simulator: this machine cannot keep up with %u×; playing slower",
                   self->speed);
      self->behind = TRUE;
      rebase (self);
    }
  return G_SOURCE_CONTINUE;
}

static void
schedule_timer (BsSimulator *self)
{
  if (self->timer != NULL)
    return;
  rebase (self);
  self->timer = g_timeout_source_new (TIMER_MS);
  g_source_set_callback (self->timer, on_timer, self, NULL);
  g_source_set_static_name (self->timer, "[beacon] simulator");
  g_source_attach (self->timer, self->context);
}

static void
stop_timer (BsSimulator *self)
{
  if (self->timer == NULL)
    return;
  g_source_destroy (self->timer);
  g_clear_pointer (&self->timer, g_source_unref);
}

/* ---- A run ---------------------------------------------------------------------------------- */

static gint64
last_event_time (BsSimulator *self)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_event_row_free);
  gint64 last = 0;

  if (!bc_event_log_last_seq (self->store, &last, NULL) || last == 0)
    return 0;
  if (!bc_event_log_read (self->store, last - 1, 1, rows, NULL) || rows->len == 0)
    return 0;
  return ((BcEventRow *) g_ptr_array_index (rows, 0))->at;
}

static gboolean
cancel_open_incidents (BsSimulator  *self,
                       GError      **error)
{
  g_autoptr(GPtrArray) open = bs_repo_list_incidents (self->repo, BS_INCIDENT_FILTER_OPEN,
                                                      G_MAXUINT, 0, error);

  if (open == NULL)
    return FALSE;
  for (guint i = 0; i < open->len; i++)
    {
      BcIncident *incident = g_ptr_array_index (open, i);
      g_autoptr(JsonObject) changes = json_object_new ();
      g_autoptr(BcIncident) done = NULL;

      json_object_set_string_member (changes, "status", "cancelled");
      json_object_set_string_member (changes, "disposition", "training_reset");
      done = bs_repo_update_incident (self->repo, bc_incident_get_id (incident),
                                      bc_incident_get_version (incident), changes, &self->actor,
                                      error);
      if (done == NULL)
        return FALSE;
    }
  return TRUE;
}

/* Fresh state for run self->run starting at self->run_start_us: nothing open, every unit of
 * the scenario available at its station, cameras as in the scenario. @first: the run that
 * bs_simulator_new() starts, before any server listens on the repo, so the scenario's cameras
 * may go into an empty table without an event each (docs/performance.md). */
static gboolean
start_run (BsSimulator  *self,
           gboolean      first,
           GError      **error)
{
  BsScenario *scenario = self->scenario;
  g_autoptr(GPtrArray) import = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) units = NULL;
  g_autoptr(GHashTable) by_call_sign = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = FALSE;

  self->elapsed_ms = 0;
  self->ignore_commits = TRUE;

  if (!cancel_open_incidents (self, error))
    goto out;

  /* Off-duty units come back on duty. */
  units = bs_repo_list_units (self->repo, error);
  if (units == NULL)
    goto out;
  for (guint i = 0; i < units->len; i++)
    {
      BcUnit *unit = g_ptr_array_index (units, i);

      if (bc_unit_get_status (unit) != BC_UNIT_STATUS_AVAILABLE)
        {
          g_autoptr(BcUnit) done = bs_repo_update_unit_status (self->repo, bc_unit_get_id (unit),
                                                               BC_UNIT_STATUS_AVAILABLE,
                                                               bc_unit_get_version (unit),
                                                               &self->actor, error);
          if (done == NULL)
            goto out;
        }
    }
  g_clear_pointer (&units, g_ptr_array_unref);

  for (guint i = 0; i < scenario->units->len; i++)
    {
      const BsScenarioUnit *def = &g_array_index (scenario->units, BsScenarioUnit, i);
      const BsScenarioStation *station = &g_array_index (scenario->stations, BsScenarioStation,
                                                         def->station);
      const BsRoadNode *node = bs_road_graph_get_node (self->roads, station->node);
      BcUnit *unit = bc_unit_new ();

      bc_unit_set_call_sign (unit, def->call_sign);
      bc_unit_set_kind (unit, def->kind);
      bc_unit_set_station (unit, station->name);
      bc_unit_set_status (unit, BC_UNIT_STATUS_AVAILABLE);
      bc_unit_set_position (unit, node->lat, node->lon, 0, 0, now_us (self));
      g_ptr_array_add (import, unit);
    }
  if (!bs_repo_import_units (self->repo, import, &self->actor, error))
    goto out;
  if (first ? !bs_repo_load_cameras_initial (self->repo, scenario->cameras, &self->actor, NULL,
                                             error)
            : !bs_repo_import_cameras (self->repo, scenario->cameras, &self->actor, error))
    goto out;

  units = bs_repo_list_units (self->repo, error);
  if (units == NULL)
    goto out;
  for (guint i = 0; i < units->len; i++)
    {
      BcUnit *unit = g_ptr_array_index (units, i);
      g_hash_table_insert (by_call_sign, (gpointer) bc_unit_get_call_sign (unit), unit);
    }

  /* The simulated units, all at their station and on patrol if their kind patrols. */
  g_ptr_array_set_size (self->units, 0);
  g_hash_table_remove_all (self->unit_by_id);
  g_hash_table_remove_all (self->incidents);
  g_queue_clear_full (&self->actions, g_free);
  self->action_seq = 0;
  self->next_script = 0;
  self->next_state_ms = STATE_SYNC_MS;
  g_clear_pointer (&self->rng_incidents, g_rand_free);
  g_clear_pointer (&self->rng_behaviour, g_rand_free);
  /* The same seed gives the same exercise in every run, whatever the trainee did before. */
  self->rng_incidents = new_rand (self->seed, 1, 0);
  self->rng_behaviour = new_rand (self->seed, 2, 0);

  for (guint i = 0; i < scenario->units->len; i++)
    {
      const BsScenarioUnit *def = &g_array_index (scenario->units, BsScenarioUnit, i);
      BcUnit *unit = g_hash_table_lookup (by_call_sign, def->call_sign);
      SimUnit *u;

      g_assert (unit != NULL);
      u = g_new0 (SimUnit, 1);
      u->index = i;
      u->id = bc_unit_get_id (unit);
      u->def = def;
      u->home = g_array_index (scenario->stations, BsScenarioStation, def->station).node;
      u->top_speed = scenario->behaviour.speed_mps[def->kind];
      u->patrols = def->kind != BC_UNIT_KIND_SPECIAL;
      u->status = bc_unit_get_status (unit);
      u->incident = bc_unit_get_incident (unit);
      u->version = bc_unit_get_version (unit);
      u->edge = NONE;
      u->from = u->to = u->dest = u->home;
      u->came_by = NONE;
      u->route = g_array_new (FALSE, FALSE, sizeof (guint));
      u->moved = TRUE;   /* the first batch puts every unit at its station */
      u->rand = new_rand (self->seed, 3, i);
      u->activity = scenario->behaviour.patrol && u->patrols ? ACT_PATROL : ACT_IDLE;
      g_ptr_array_add (self->units, u);
      g_hash_table_insert (self->unit_by_id, &u->id, u);
    }
  flush_avl (self);

  ok = bc_event_log_last_seq (self->store, &self->last_seen_seq, error);

out:
  self->ignore_commits = FALSE;
  return ok;
}

/* ---- GObject -------------------------------------------------------------------------------- */

static void
bs_simulator_dispose (GObject *object)
{
  BsSimulator *self = BS_SIMULATOR (object);

  stop_timer (self);
  if (self->hook_id != 0)
    {
      bc_store_remove_commit_hook (self->store, self->hook_id);
      self->hook_id = 0;
    }
  if (self->repo != NULL)
    bs_repo_set_clock (self->repo, NULL, NULL);
  g_clear_object (&self->repo);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (bs_simulator_parent_class)->dispose (object);
}

static void
bs_simulator_finalize (GObject *object)
{
  BsSimulator *self = BS_SIMULATOR (object);

  g_clear_pointer (&self->scenario, bs_scenario_unref);
  g_clear_pointer (&self->roads, bs_road_graph_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->units, g_ptr_array_unref);
  g_clear_pointer (&self->unit_by_id, g_hash_table_unref);
  g_clear_pointer (&self->incidents, g_hash_table_unref);
  g_queue_clear_full (&self->actions, g_free);
  g_clear_pointer (&self->rng_incidents, g_rand_free);
  g_clear_pointer (&self->rng_behaviour, g_rand_free);

  G_OBJECT_CLASS (bs_simulator_parent_class)->finalize (object);
}

static void
bs_simulator_class_init (BsSimulatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bs_simulator_dispose;
  object_class->finalize = bs_simulator_finalize;
}

static void
bs_simulator_init (BsSimulator *self)
{
  self->units = g_ptr_array_new_with_free_func ((GDestroyNotify) sim_unit_free);
  self->unit_by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->incidents = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_queue_init (&self->actions);
  self->speed = 1;
  self->actor.username = "simulator";
  self->actor.role = BC_ROLE_TRAINER;
  self->actor.remote = "simulator";
}

BsSimulator *
bs_simulator_new (BsRepo      *repo,
                  BsScenario  *scenario,
                  guint64      seed,
                  GError     **error)
{
  g_autoptr(BsSimulator) self = NULL;
  gint64 last;

  g_return_val_if_fail (BS_IS_REPO (repo), NULL);
  g_return_val_if_fail (scenario != NULL, NULL);

  self = g_object_new (BS_TYPE_SIMULATOR, NULL);
  self->repo = g_object_ref (repo);
  self->store = g_object_ref (bs_repo_get_store (repo));
  self->scenario = bs_scenario_ref (scenario);
  self->roads = bs_road_graph_ref (scenario->roads);
  self->seed = seed;
  self->context = g_main_context_ref_thread_default ();
  self->auto_dispatch = scenario->behaviour.auto_dispatch;

  /* A database that already holds a session goes on from a later day, never backwards. */
  self->run_start_us = scenario->start_us;
  last = last_event_time (self);
  while (self->run_start_us <= last)
    self->run_start_us += DAY_US;

  bs_repo_set_clock (repo, sim_clock, self);
  self->hook_id = bc_store_add_commit_hook (self->store, on_commit, self, NULL);

  if (!start_run (self, TRUE, error) ||
      !record_state (self, NULL, "load", FALSE, error))
    return NULL;

  g_message ("Training scenario “%s”: %u units, %u cameras, %u road nodes, %u scripted "
             "incidents; seed %" G_GUINT64_FORMAT, scenario->name, scenario->units->len,
             scenario->cameras->len, bs_road_graph_get_n_nodes (scenario->roads),
             scenario->incidents->len, seed);
  return g_steal_pointer (&self);
}

/* ---- Control -------------------------------------------------------------------------------- */

BsScenario *
bs_simulator_get_scenario (BsSimulator *self)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), NULL);
  return self->scenario;
}

BsRepo *
bs_simulator_get_repo (BsSimulator *self)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), NULL);
  return self->repo;
}

guint64
bs_simulator_get_seed (BsSimulator *self)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), 0);
  return self->seed;
}

gboolean
bs_simulator_speed_is_valid (guint speed)
{
  for (guint i = 0; i < G_N_ELEMENTS (valid_speeds); i++)
    if (valid_speeds[i] == speed)
      return TRUE;
  return FALSE;
}

static gboolean
control_play (BsSimulator    *self,
              gboolean        play,
              const BsActor  *actor,
              GError        **error)
{
  if (self->playing == play)
    return TRUE;
  self->playing = play;
  if (play)
    schedule_timer (self);
  else
    stop_timer (self);
  return record_state (self, actor, play ? "play" : "pause", FALSE, error);
}

gboolean
bs_simulator_play (BsSimulator  *self,
                   GError      **error)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), FALSE);
  return control_play (self, TRUE, NULL, error);
}

gboolean
bs_simulator_pause (BsSimulator  *self,
                    GError      **error)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), FALSE);
  return control_play (self, FALSE, NULL, error);
}

static gboolean
control_speed (BsSimulator    *self,
               guint           speed,
               const BsActor  *actor,
               GError        **error)
{
  if (!bs_simulator_speed_is_valid (speed))
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                   "speed: %u is not offered (1, 2, 5, 10 or 30)", speed);
      return FALSE;
    }
  if (self->speed == speed)
    return TRUE;
  self->speed = speed;
  rebase (self);
  return record_state (self, actor, "speed", FALSE, error);
}

gboolean
bs_simulator_set_speed (BsSimulator  *self,
                        guint         speed,
                        GError      **error)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), FALSE);
  return control_speed (self, speed, NULL, error);
}

static gboolean
control_reset (BsSimulator    *self,
               const BsActor  *actor,
               GError        **error)
{
  gint64 now = now_us (self);

  self->playing = FALSE;
  stop_timer (self);

  /* The next day at the scenario's start time (see the header: the clock never goes back). */
  self->run++;
  self->run_start_us = self->scenario->start_us;
  while (self->run_start_us <= now)
    self->run_start_us += DAY_US;

  if (!start_run (self, FALSE, error))
    return FALSE;
  return record_state (self, actor, "reset", TRUE, error);
}

gboolean
bs_simulator_reset (BsSimulator  *self,
                    GError      **error)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), FALSE);
  return control_reset (self, NULL, error);
}

static BcIncident *
control_inject (BsSimulator     *self,
                BcIncidentType   type,
                int              priority,
                double           lat,
                double           lon,
                const char      *description,
                const BsActor   *actor,
                GError         **error)
{
  g_autofree char *address = NULL;
  g_autoptr(GError) local_error = NULL;
  BcIncident *incident;
  const BsRoadNode *node;

  if (priority < BC_INCIDENT_PRIORITY_HIGHEST || priority > BC_INCIDENT_PRIORITY_LOWEST)
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                   "priority: %d is out of range (1 to 4)", priority);
      return NULL;
    }
  if (!bc_geo_bounds_contains (&self->scenario->area, lat, lon))
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                   "location %.6f,%.6f is outside the scenario area", lat, lon);
      return NULL;
    }

  node = bs_road_graph_get_node (self->roads,
                                 bs_road_graph_nearest_node (self->roads, lat, lon, NULL));
  address = bs_scenario_describe_place (self->scenario, node->lat, node->lon);
  incident = create_incident (self, type, priority, node->lat, node->lon, address, NULL, NULL,
                              description, error);
  if (incident == NULL)
    return NULL;

  if (actor != NULL)
    {
      g_autofree char *detail = g_strdup_printf ("{\"incident\":%" G_GINT64_FORMAT "}",
                                                 bc_incident_get_id (incident));

      if (!bc_audit_append (self->store, now_us (self), actor->username,
                            bc_role_to_string (actor->role), actor->remote, "sim.inject", "sim",
                            detail, &local_error))
        g_warning ("Simulator: cannot audit an injection: %s", local_error->message);
    }
  return incident;
}

BcIncident *
bs_simulator_inject (BsSimulator     *self,
                     BcIncidentType   type,
                     int              priority,
                     double           lat,
                     double           lon,
                     const char      *description,
                     GError         **error)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), NULL);
  return control_inject (self, type, priority, lat, lon, description, NULL, error);
}

void
bs_simulator_set_auto_dispatch (BsSimulator *self,
                                gboolean     auto_dispatch)
{
  g_return_if_fail (BS_IS_SIMULATOR (self));

  if (self->auto_dispatch == auto_dispatch)
    return;
  self->auto_dispatch = auto_dispatch;
  if (!auto_dispatch)
    return;

  /* Take over what is waiting already. */
  {
    g_autoptr(GPtrArray) open = bs_repo_list_incidents (self->repo, BS_INCIDENT_FILTER_OPEN,
                                                        G_MAXUINT, 0, NULL);

    for (guint i = 0; open != NULL && i < open->len; i++)
      {
        BcIncident *incident = g_ptr_array_index (open, open->len - 1 - i);

        if (bc_incident_get_status (incident) == BC_INCIDENT_STATUS_NEW)
          schedule_auto_dispatch (self, bc_incident_get_id (incident));
      }
  }
}

gboolean
bs_simulator_get_playing (BsSimulator *self)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), FALSE);
  return self->playing;
}

guint
bs_simulator_get_speed (BsSimulator *self)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), 0);
  return self->speed;
}

gint64
bs_simulator_get_clock (BsSimulator *self)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), 0);
  return now_us (self);
}

gint64
bs_simulator_get_elapsed_ms (BsSimulator *self)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), 0);
  return self->elapsed_ms;
}

gint64
bs_simulator_get_run_start (BsSimulator *self)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), 0);
  return self->run_start_us;
}

guint
bs_simulator_get_run (BsSimulator *self)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), 0);
  return self->run;
}

gint64
bs_simulator_get_unit_id (BsSimulator *self,
                          guint        index)
{
  g_return_val_if_fail (BS_IS_SIMULATOR (self), 0);
  g_return_val_if_fail (index < self->units->len, 0);
  return ((SimUnit *) g_ptr_array_index (self->units, index))->id;
}

BsReport *
bs_simulator_build_report (BsSimulator  *self,
                           GError      **error)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) run = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (BS_IS_SIMULATOR (self), NULL);

  all = bs_repo_list_incidents (self->repo, BS_INCIDENT_FILTER_ALL, G_MAXUINT, 0, error);
  if (all == NULL)
    return NULL;
  for (guint i = 0; i < all->len; i++)
    {
      BcIncident *incident = g_ptr_array_index (all, i);

      if (bc_incident_get_created_at (incident) >= self->run_start_us)
        g_ptr_array_add (run, g_object_ref (incident));
    }
  return bs_report_new (self->scenario->name, self->scenario->notice, self->run_start_us,
                        now_us (self), run);
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

static void
reply_state (BsSimulator *self,
             BsRequest   *req)
{
  bs_request_reply_json_take (req, SOUP_STATUS_OK, bs_simulator_get_state (self));
}

static void
handle_control (BsSimulator *self,
                BsRequest   *req)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  const char *action = NULL;

  object = bs_request_parse_body_object (req, &node, &error);
  if (object == NULL ||
      !_bc_json_check_members (object, NULL,
                               (const char *const[]) { "action", "speed", "type", "priority",
                                                       "lat", "lon", "description", NULL },
                               NULL, &error) ||
      !_bc_json_get_string (object, NULL, "action", BC_JSON_REQUIRED, 1, 16, &action, &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  if (strcmp (action, "play") == 0 || strcmp (action, "pause") == 0)
    {
      if (!control_play (self, strcmp (action, "play") == 0, &req->actor, &error))
        bs_request_reply_gerror (req, error);
      else
        reply_state (self, req);
    }
  else if (strcmp (action, "speed") == 0)
    {
      gint64 speed;

      if (!_bc_json_get_int64 (object, NULL, "speed", BC_JSON_REQUIRED, 1, 1000, &speed,
                               &error) ||
          !control_speed (self, (guint) speed, &req->actor, &error))
        bs_request_reply_gerror (req, error);
      else
        reply_state (self, req);
    }
  else if (strcmp (action, "reset") == 0)
    {
      if (!control_reset (self, &req->actor, &error))
        bs_request_reply_gerror (req, error);
      else
        reply_state (self, req);
    }
  else if (strcmp (action, "inject") == 0)
    {
      g_autoptr(BcIncident) incident = NULL;
      const char *description = NULL;
      int type;
      gint64 priority;
      double lat, lon;

      if (!_bc_json_get_enum (object, NULL, "type", BC_JSON_REQUIRED, BC_TYPE_INCIDENT_TYPE,
                              &type, &error) ||
          !_bc_json_get_int64 (object, NULL, "priority", BC_JSON_REQUIRED, 1, 4, &priority,
                               &error) ||
          !_bc_json_get_double (object, NULL, "lat", BC_JSON_REQUIRED, -90, 90, &lat, &error) ||
          !_bc_json_get_double (object, NULL, "lon", BC_JSON_REQUIRED, -180, 180, &lon,
                                &error) ||
          !_bc_json_get_string (object, NULL, "description", BC_JSON_NULLABLE, 0, 2000,
                                &description, &error))
        {
          bs_request_reply_gerror (req, error);
          return;
        }
      incident = control_inject (self, (BcIncidentType) type, (int) priority, lat, lon,
                                 description, &req->actor, &error);
      if (incident == NULL)
        bs_request_reply_gerror (req, error);
      else
        bs_request_reply_json_take (req, SOUP_STATUS_CREATED, bc_incident_to_json (incident));
    }
  else
    {
      g_autofree char *message = g_strdup_printf ("action: \"%s\" is not one of play, pause, "
                                                  "speed, reset, inject", action);
      bs_request_reply_error (req, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_value", message);
    }
}

static void
reply_bytes (BsRequest  *req,
             const char *content_type,
             const char *filename,
             GBytes     *bytes)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (req->msg);
  g_autofree char *disposition = g_strdup_printf ("attachment; filename=\"%s\"", filename);
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  soup_message_headers_replace (headers, "Content-Disposition", disposition);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (req->msg, content_type, SOUP_MEMORY_COPY, data, size);
}

static void
handle_report (BsSimulator *self,
               BsRequest   *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsReport) report = bs_simulator_build_report (self, &error);
  const char *format = bs_request_query_string (req, "format");

  if (report == NULL)
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  if (format == NULL || strcmp (format, "json") == 0)
    {
      bs_request_reply_json_take (req, SOUP_STATUS_OK, bs_report_to_json (report));
    }
  else if (strcmp (format, "csv") == 0)
    {
      char *csv = bs_report_to_csv (report);
      g_autoptr(GBytes) bytes = g_bytes_new_take (csv, strlen (csv));

      reply_bytes (req, "text/csv; charset=utf-8", "after-action-report.csv", bytes);
    }
  else if (strcmp (format, "pdf") == 0)
    {
      g_autoptr(GBytes) pdf = bs_report_to_pdf (report, &error);

      if (pdf == NULL)
        bs_request_reply_gerror (req, error);
      else
        reply_bytes (req, "application/pdf", "after-action-report.pdf", pdf);
    }
  else
    {
      bs_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                              "format: must be json, csv or pdf");
    }
}

void
bs_simulator_handle_request (BsRequest *req,
                             gpointer   user_data)
{
  BsSimulator *self = user_data;
  const char *method = bs_request_get_method (req);

  g_return_if_fail (BS_IS_SIMULATOR (self));

  if (strcmp (method, "POST") == 0 && g_str_has_suffix (req->path, "/sim/control"))
    handle_control (self, req);
  else if (strcmp (method, "GET") == 0 && g_str_has_suffix (req->path, "/sim/state"))
    reply_state (self, req);
  else if (strcmp (method, "GET") == 0 && g_str_has_suffix (req->path, "/sim/report"))
    handle_report (self, req);
  else
    bs_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_found", "no such endpoint");
}
