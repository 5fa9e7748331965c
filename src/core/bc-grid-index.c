/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-geo"

#include "config.h"

#include "bc-grid-index.h"
#include "bc-geo-private.h"

#include <math.h>
#include <string.h>

/*
 * A spatial hash over latitude/longitude.
 *
 * Rows are bands of latitude one cell high. Each row is cut into as many columns as fit at the
 * row's middle latitude, so cells stay roughly square in metres from the equator to the poles
 * (a row next to a pole has one column). A cell is named by (row, column); only occupied cells
 * exist, in an open-addressing hash table, each with an array of its items' indices (stored in
 * the cell itself for up to two). Items live in one dense array of 48 bytes each; a second
 * open-addressing table maps keys to items and holds only 32-bit indices. A cell's members are
 * an array rather than a linked list so that a query's memory loads do not wait on each other.
 *
 * A query for a circle covers the circle's latitude/longitude bounding box (wrapped across the
 * ±180° meridian, and all longitudes when the circle holds a pole), probes the cells of that
 * box, and computes distances exactly as bc_geo_distance_m() does for the points that also pass
 * a cheap box test. When the box would need more cell probes than there are items, scanning the
 * items is cheaper and the query does that instead.
 *
 * Queries only read the index, so any number of threads may query at once as long as none
 * changes it meanwhile.
 */

#define NONE G_MAXUINT32

#define DEG_TO_RAD (G_PI / 180.0)
#define RAD_TO_DEG (180.0 / G_PI)
#define M_PER_DEG (BC_GEO_EARTH_RADIUS_M * DEG_TO_RAD)

/* Covers are widened by this much so that a point whose computed distance is within a radius
 * is never outside the cells probed for it, whatever the rounding. */
#define COVER_SLACK_REL 1e-9
#define COVER_SLACK_M 1e-3

typedef struct
{
  guint64 key;
  double  lat;
  double  lon;
  double  cos_lat; /* kept for the haversine: one cosine less per distance */
  guint64 cell;
  guint32 slot;    /* position in its cell's member array */
} Item;

/* Cells of up to CELL_INLINE points, most of them outside a city, need no allocation. */
#define CELL_INLINE 2

typedef struct
{
  guint64 id;
  union
  {
    guint32 *heap;
    guint32  inline_[CELL_INLINE];
  } m;
  guint32 count; /* 0 marks a free slot */
  guint32 size;
} Cell;

struct _BcGridIndex
{
  double   cell_size_m;
  double   row_deg;
  guint32  n_rows;

  Item    *items;
  guint32  n_items;
  guint32  items_size;

  guint32 *keys; /* item index or NONE */
  guint32  keys_mask;

  Cell    *cells;
  guint32  cells_mask;
  guint32  n_cells;
};

/* The circle (or box) a query has to look at, as rows and a longitude interval. */
typedef struct
{
  guint32  row_lo;
  guint32  row_hi;
  gboolean all_lon;
  double   lon_lo; /* may be below -180 ... */
  double   lon_hi; /* ... or at/above 180 when the circle crosses the seam */
} Cover;

typedef struct
{
  guint   n;
  guint32 lo[2];
  guint32 hi[2];
} ColRanges;

static inline guint64
mix64 (guint64 k)
{
  /* The finaliser of MurmurHash3: keys and cell ids are far from random. */
  k ^= k >> 33;
  k *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  k ^= k >> 33;
  k *= G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  k ^= k >> 33;
  return k;
}

/* ---- cell geometry --------------------------------------------------------------------- */

static inline guint32
row_of (BcGridIndex *self,
        double       lat)
{
  double r = floor ((lat + 90.0) / self->row_deg);

  if (!(r >= 0.0))
    return 0;
  if (r >= self->n_rows)
    return self->n_rows - 1;
  return (guint32) r;
}

static guint32
n_cols_of (BcGridIndex *self,
           guint32      row)
{
  double lo = -90.0 + row * self->row_deg;
  double hi = MIN (lo + self->row_deg, 90.0);
  double n = floor (360.0 * cos ((lo + hi) * 0.5 * DEG_TO_RAD) / self->row_deg);

  return n < 1.0 ? 1 : (guint32) n;
}

static inline guint32
col_of (double  lon,
        guint32 n_cols)
{
  double c = floor ((lon + 180.0) / 360.0 * n_cols);

  if (!(c >= 0.0))
    return 0;
  if (c >= n_cols)
    return n_cols - 1;
  return (guint32) c;
}

static inline guint64
cell_id (guint32 row,
         guint32 col)
{
  return ((guint64) row << 32) | col;
}

static guint64
cell_of (BcGridIndex *self,
         double       lat,
         double       lon)
{
  guint32 row = row_of (self, lat);

  return cell_id (row, col_of (lon, n_cols_of (self, row)));
}

/* The cover of the circle of radius_m around (lat, lon); lon is in [-180, 180). */
static void
cover_for_circle (BcGridIndex *self,
                  double       lat,
                  double       lon,
                  double       radius_m,
                  Cover       *cv,
                  double      *out_dlat_deg,
                  double      *out_dlon_deg)
{
  double delta = (radius_m * (1.0 + COVER_SLACK_REL) + COVER_SLACK_M) / BC_GEO_EARTH_RADIUS_M;
  double delta_deg = delta * RAD_TO_DEG;
  double s;

  *out_dlat_deg = delta_deg;
  *out_dlon_deg = 360.0;
  cv->all_lon = TRUE;
  cv->lon_lo = -180.0;
  cv->lon_hi = 180.0;
  cv->row_lo = row_of (self, MAX (lat - delta_deg, -90.0));
  cv->row_hi = row_of (self, MIN (lat + delta_deg, 90.0));

  /* A circle that holds a pole spans every longitude. */
  if (lat + delta_deg >= 90.0 || lat - delta_deg <= -90.0)
    return;

  /* The widest longitude span of a spherical cap of angular radius delta centred at lat. */
  s = sin (delta) / cos (lat * DEG_TO_RAD);
  if (s >= 1.0)
    return;

  *out_dlon_deg = asin (s) * RAD_TO_DEG;
  cv->all_lon = FALSE;
  cv->lon_lo = lon - *out_dlon_deg;
  cv->lon_hi = lon + *out_dlon_deg;
}

static void
cover_cols (const Cover *cv,
            guint32      n_cols,
            ColRanges   *cr)
{
  guint32 a, b;

  if (cv->all_lon)
    goto all;

  if (cv->lon_lo < -180.0)
    {
      a = col_of (cv->lon_lo + 360.0, n_cols);
      b = col_of (cv->lon_hi, n_cols);
    }
  else if (cv->lon_hi >= 180.0)
    {
      a = col_of (cv->lon_lo, n_cols);
      b = col_of (cv->lon_hi - 360.0, n_cols);
    }
  else
    {
      cr->n = 1;
      cr->lo[0] = col_of (cv->lon_lo, n_cols);
      cr->hi[0] = col_of (cv->lon_hi, n_cols);
      return;
    }

  /* Across the seam: [a, n_cols) and [0, b], unless they meet. */
  if (a <= b + 1)
    goto all;
  cr->n = 2;
  cr->lo[0] = 0;
  cr->hi[0] = b;
  cr->lo[1] = a;
  cr->hi[1] = n_cols - 1;
  return;

all:
  cr->n = 1;
  cr->lo[0] = 0;
  cr->hi[0] = n_cols - 1;
}

static inline gboolean
col_ranges_contain (const ColRanges *cr,
                    guint32          col)
{
  for (guint i = 0; i < cr->n; i++)
    if (col >= cr->lo[i] && col <= cr->hi[i])
      return TRUE;
  return FALSE;
}

/* An upper estimate of the cells in a cover, without walking its rows. */
static double
cover_estimate_cells (BcGridIndex *self,
                      const Cover *cv)
{
  double n_rows = (double) cv->row_hi - cv->row_lo + 1;
  guint32 widest_row;
  double widest;

  /* The row closest to the equator has the most columns. */
  widest_row = row_of (self, 0.0);
  widest_row = CLAMP (widest_row, cv->row_lo, cv->row_hi);
  widest = n_cols_of (self, widest_row);
  if (!cv->all_lon)
    widest = MIN (widest, (cv->lon_hi - cv->lon_lo) / 360.0 * widest + 2.0);
  return n_rows * widest;
}

/* ---- key table ------------------------------------------------------------------------- */

static guint32
key_find_slot (BcGridIndex *self,
               guint64      key)
{
  guint32 i = (guint32) mix64 (key) & self->keys_mask;

  while (self->keys[i] != NONE)
    {
      if (self->items[self->keys[i]].key == key)
        return i;
      i = (i + 1) & self->keys_mask;
    }
  return NONE;
}

static void
key_place (BcGridIndex *self,
           guint32      idx)
{
  guint32 i = (guint32) mix64 (self->items[idx].key) & self->keys_mask;

  while (self->keys[i] != NONE)
    i = (i + 1) & self->keys_mask;
  self->keys[i] = idx;
}

static void
keys_resize (BcGridIndex *self,
             guint32      size)
{
  g_free (self->keys);
  self->keys = g_new (guint32, size);
  memset (self->keys, 0xff, size * sizeof (guint32));
  self->keys_mask = size - 1;
  for (guint32 i = 0; i < self->n_items; i++)
    key_place (self, i);
}

/* Removes slot i, shifting later entries of the probe run back so that no tombstones are needed. */
static void
key_remove_slot (BcGridIndex *self,
                 guint32      i)
{
  guint32 mask = self->keys_mask;
  guint32 j = i;

  for (;;)
    {
      guint32 home;

      j = (j + 1) & mask;
      if (self->keys[j] == NONE)
        break;
      home = (guint32) mix64 (self->items[self->keys[j]].key) & mask;
      /* Entry j may fill the hole at i only if its home is not in (i, j] cyclically. */
      if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j))
        {
          self->keys[i] = self->keys[j];
          i = j;
        }
    }
  self->keys[i] = NONE;
}

/* ---- cell table ------------------------------------------------------------------------ */

static Cell *
cell_find (BcGridIndex *self,
           guint64      id)
{
  guint32 i = (guint32) mix64 (id) & self->cells_mask;

  while (self->cells[i].count != 0)
    {
      if (self->cells[i].id == id)
        return &self->cells[i];
      i = (i + 1) & self->cells_mask;
    }
  return NULL;
}

static Cell *
cell_slot_for_new (Cell    *cells,
                   guint32  mask,
                   guint64  id)
{
  guint32 i = (guint32) mix64 (id) & mask;

  while (cells[i].count != 0)
    i = (i + 1) & mask;
  return &cells[i];
}

static void
cells_resize (BcGridIndex *self,
              guint32      size)
{
  Cell *old = self->cells;
  guint32 old_size = old != NULL ? self->cells_mask + 1 : 0;

  self->cells = g_new0 (Cell, size);
  self->cells_mask = size - 1;
  for (guint32 i = 0; i < old_size; i++)
    if (old[i].count != 0)
      *cell_slot_for_new (self->cells, self->cells_mask, old[i].id) = old[i];
  g_free (old);
}

static void
cell_remove (BcGridIndex *self,
             Cell        *cell)
{
  guint32 mask = self->cells_mask;
  guint32 i = cell - self->cells;
  guint32 j = i;

  for (;;)
    {
      guint32 home;

      j = (j + 1) & mask;
      if (self->cells[j].count == 0)
        break;
      home = (guint32) mix64 (self->cells[j].id) & mask;
      if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j))
        {
          self->cells[i] = self->cells[j];
          i = j;
        }
    }
  self->cells[i].count = 0;
  self->n_cells--;
}

static inline guint32 *
cell_members (Cell *cell)
{
  return cell->size > CELL_INLINE ? cell->m.heap : cell->m.inline_;
}

static inline const guint32 *
cell_members_const (const Cell *cell)
{
  return cell->size > CELL_INLINE ? cell->m.heap : cell->m.inline_;
}

static void
cell_set_size (Cell    *cell,
               guint32  size)
{
  g_assert (size >= cell->count && size >= CELL_INLINE);

  if (size == cell->size)
    return;
  if (cell->size == CELL_INLINE)
    {
      guint32 *heap = g_new (guint32, size);

      memcpy (heap, cell->m.inline_, cell->count * sizeof (guint32));
      cell->m.heap = heap;
    }
  else if (size == CELL_INLINE)
    {
      guint32 *heap = cell->m.heap;

      memcpy (cell->m.inline_, heap, cell->count * sizeof (guint32));
      g_free (heap);
    }
  else
    cell->m.heap = g_renew (guint32, cell->m.heap, size);
  cell->size = size;
}

static void
item_link (BcGridIndex *self,
           guint32      idx)
{
  Item *it = &self->items[idx];
  Cell *cell = cell_find (self, it->cell);

  if (cell == NULL)
    {
      /* Keep the table at most half full so that probe runs stay short. */
      if ((self->n_cells + 1) * 2 > self->cells_mask + 1)
        cells_resize (self, (self->cells_mask + 1) * 2);
      cell = cell_slot_for_new (self->cells, self->cells_mask, it->cell);
      cell->id = it->cell;
      cell->count = 0;
      cell->size = CELL_INLINE;
      self->n_cells++;
    }

  if (cell->count == cell->size)
    cell_set_size (cell, cell->size * 2);
  cell_members (cell)[cell->count] = idx;
  it->slot = cell->count++;
}

static void
item_unlink (BcGridIndex *self,
             guint32      idx)
{
  Item *it = &self->items[idx];
  Cell *cell = cell_find (self, it->cell);
  guint32 *members;
  guint32 moved;

  g_assert (cell != NULL);

  /* The cell's last member takes the leaving item's place. */
  members = cell_members (cell);
  moved = members[--cell->count];
  members[it->slot] = moved;
  self->items[moved].slot = it->slot;

  if (cell->count == 0)
    {
      cell_set_size (cell, CELL_INLINE);
      cell_remove (self, cell);
    }
  else if (cell->size > CELL_INLINE && cell->count <= cell->size / 4)
    {
      /* Give memory back when a crowd disperses. */
      cell_set_size (cell, MAX (CELL_INLINE, cell->size / 2));
    }
}

static void
free_cell_arrays (BcGridIndex *self)
{
  for (guint32 i = 0; i <= self->cells_mask; i++)
    if (self->cells[i].count != 0 && self->cells[i].size > CELL_INLINE)
      g_free (self->cells[i].m.heap);
}

/* ---- public API ------------------------------------------------------------------------ */

/**
 * bc_grid_index_new:
 * @cell_size_m: edge of a cell in metres, from 1 m to 5000 km; 0 or less selects
 *   %BC_GRID_INDEX_DEFAULT_CELL_SIZE_M
 *
 * About the typical query radius is a good cell size.
 */
BcGridIndex *
bc_grid_index_new (double cell_size_m)
{
  BcGridIndex *self;

  if (cell_size_m <= 0.0)
    cell_size_m = BC_GRID_INDEX_DEFAULT_CELL_SIZE_M;
  g_return_val_if_fail (cell_size_m >= 1.0 && cell_size_m <= 5.0e6, NULL);

  self = g_new0 (BcGridIndex, 1);
  self->cell_size_m = cell_size_m;
  self->row_deg = cell_size_m / M_PER_DEG;
  self->n_rows = (guint32) ceil (180.0 / self->row_deg);
  keys_resize (self, 16);
  cells_resize (self, 16);
  return self;
}

void
bc_grid_index_free (BcGridIndex *self)
{
  if (self == NULL)
    return;

  free_cell_arrays (self);
  g_free (self->items);
  g_free (self->keys);
  g_free (self->cells);
  g_free (self);
}

double
bc_grid_index_get_cell_size_m (BcGridIndex *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return self->cell_size_m;
}

guint
bc_grid_index_get_n_items (BcGridIndex *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_items;
}

/* Heap bytes held by the index, for capacity planning. Walks the cell table. */
gsize
bc_grid_index_get_memory_size (BcGridIndex *self)
{
  gsize size;

  g_return_val_if_fail (self != NULL, 0);

  size = sizeof *self
         + (gsize) self->items_size * sizeof (Item)
         + ((gsize) self->keys_mask + 1) * sizeof (guint32)
         + ((gsize) self->cells_mask + 1) * sizeof (Cell);
  for (guint32 i = 0; i <= self->cells_mask; i++)
    if (self->cells[i].count != 0 && self->cells[i].size > CELL_INLINE)
      size += self->cells[i].size * sizeof (guint32);
  return size;
}

/**
 * bc_grid_index_insert:
 *
 * Adds a point, or moves it when @key is already present.
 *
 * Returns: %TRUE if @key was new
 */
gboolean
bc_grid_index_insert (BcGridIndex *self,
                      guint64      key,
                      double       lat,
                      double       lon)
{
  Item *it;
  guint32 idx;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (bc_geo_is_valid (lat, lon), FALSE);

  if (bc_grid_index_move (self, key, lat, lon))
    return FALSE;

  g_return_val_if_fail (self->n_items < G_MAXINT32, FALSE);

  if (self->n_items == self->items_size)
    {
      self->items_size = MAX (64, self->items_size * 2);
      self->items = g_renew (Item, self->items, self->items_size);
    }
  if ((self->n_items + 1) * 2 > self->keys_mask + 1)
    keys_resize (self, (self->keys_mask + 1) * 2);

  idx = self->n_items++;
  it = &self->items[idx];
  it->key = key;
  it->lat = lat;
  it->lon = lon;
  it->cos_lat = _bc_geo_cos_lat (lat);
  it->cell = cell_of (self, lat, lon);
  key_place (self, idx);
  item_link (self, idx);
  return TRUE;
}

/**
 * bc_grid_index_move:
 *
 * Moves an existing point. Constant time when it stays in its cell.
 *
 * Returns: %FALSE if @key is not in the index (nothing is added)
 */
gboolean
bc_grid_index_move (BcGridIndex *self,
                    guint64      key,
                    double       lat,
                    double       lon)
{
  guint32 slot;
  guint32 idx;
  guint64 cell;
  Item *it;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (bc_geo_is_valid (lat, lon), FALSE);

  slot = key_find_slot (self, key);
  if (slot == NONE)
    return FALSE;

  idx = self->keys[slot];
  it = &self->items[idx];
  it->lat = lat;
  it->lon = lon;
  it->cos_lat = _bc_geo_cos_lat (lat);

  cell = cell_of (self, lat, lon);
  if (cell != it->cell)
    {
      item_unlink (self, idx);
      it->cell = cell;
      item_link (self, idx);
    }
  return TRUE;
}

/**
 * bc_grid_index_remove:
 *
 * Returns: %TRUE if @key was in the index
 */
gboolean
bc_grid_index_remove (BcGridIndex *self,
                      guint64      key)
{
  guint32 slot;
  guint32 idx;
  guint32 last;

  g_return_val_if_fail (self != NULL, FALSE);

  slot = key_find_slot (self, key);
  if (slot == NONE)
    return FALSE;

  idx = self->keys[slot];
  item_unlink (self, idx);
  key_remove_slot (self, slot);

  /* Keep the item array dense: the last item fills the hole. */
  last = self->n_items - 1;
  if (idx != last)
    {
      Item *it = &self->items[idx];

      *it = self->items[last];
      self->keys[key_find_slot (self, it->key)] = idx;
      cell_members (cell_find (self, it->cell))[it->slot] = idx;
    }
  self->n_items--;
  return TRUE;
}

void
bc_grid_index_remove_all (BcGridIndex *self)
{
  g_return_if_fail (self != NULL);

  free_cell_arrays (self);
  self->n_items = 0;
  self->n_cells = 0;
  memset (self->keys, 0xff, ((gsize) self->keys_mask + 1) * sizeof (guint32));
  memset (self->cells, 0, ((gsize) self->cells_mask + 1) * sizeof (Cell));
}

gboolean
bc_grid_index_lookup (BcGridIndex *self,
                      guint64      key,
                      double      *lat,
                      double      *lon)
{
  guint32 slot;
  const Item *it;

  g_return_val_if_fail (self != NULL, FALSE);

  slot = key_find_slot (self, key);
  if (slot == NONE)
    return FALSE;

  it = &self->items[self->keys[slot]];
  if (lat != NULL)
    *lat = it->lat;
  if (lon != NULL)
    *lon = it->lon;
  return TRUE;
}

/* Items are only iterated, never added or removed, during the callbacks. */
void
bc_grid_index_foreach (BcGridIndex            *self,
                       BcGridIndexForeachFunc  func,
                       gpointer                user_data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (func != NULL);

  for (guint32 i = 0; i < self->n_items; i++)
    func (self->items[i].key, self->items[i].lat, self->items[i].lon, user_data);
}

/* ---- queries --------------------------------------------------------------------------- */

static inline gboolean
hit_less (const BcGridHit *a,
          const BcGridHit *b)
{
  return a->distance_m < b->distance_m || (a->distance_m == b->distance_m && a->key < b->key);
}

static inline void
hit_swap (BcGridHit *a,
          BcGridHit *b)
{
  BcGridHit t = *a;

  *a = *b;
  *b = t;
}

/* Max-heap on (distance, key): the worst hit on top. */
static void
hits_sift_down (BcGridHit *h,
                guint      n,
                guint      i)
{
  for (;;)
    {
      guint l = 2 * i + 1;
      guint m = i;

      if (l < n && hit_less (&h[m], &h[l]))
        m = l;
      if (l + 1 < n && hit_less (&h[m], &h[l + 1]))
        m = l + 1;
      if (m == i)
        return;
      hit_swap (&h[i], &h[m]);
      i = m;
    }
}

/* Sorts a max-heap ascending in place. */
static void
hits_sort_heap (BcGridHit *h,
                guint      n)
{
  for (guint end = n; end > 1; end--)
    {
      hit_swap (&h[0], &h[end - 1]);
      hits_sift_down (h, end - 1, 0);
    }
}

/* Introsort on (distance, key). A comparison inlined here is about twice as fast as
 * g_array_sort() with a callback, and radius queries can return thousands of hits. */
static void
hits_sort (BcGridHit *h,
           guint      n,
           guint      depth)
{
  while (n > 16)
    {
      guint mid = n / 2;
      BcGridHit pivot;
      gssize i = -1, j = n;

      if (depth-- == 0)
        {
          /* Pathological input: fall back to heapsort, which has no bad cases. */
          for (guint k = n / 2; k > 0; k--)
            hits_sift_down (h, n, k - 1);
          hits_sort_heap (h, n);
          return;
        }

      /* Median of three, left in the middle. */
      if (hit_less (&h[mid], &h[0]))
        hit_swap (&h[mid], &h[0]);
      if (hit_less (&h[n - 1], &h[mid]))
        {
          hit_swap (&h[n - 1], &h[mid]);
          if (hit_less (&h[mid], &h[0]))
            hit_swap (&h[mid], &h[0]);
        }
      pivot = h[mid];

      /* Hoare partition: [0, j] <= pivot <= [j + 1, n). */
      for (;;)
        {
          do
            i++;
          while (hit_less (&h[i], &pivot));
          do
            j--;
          while (hit_less (&pivot, &h[j]));
          if (i >= j)
            break;
          hit_swap (&h[i], &h[j]);
        }

      /* Recurse into the smaller part, loop on the larger: the stack stays logarithmic. */
      if ((guint) j + 1 < n - ((guint) j + 1))
        {
          hits_sort (h, j + 1, depth);
          h += j + 1;
          n -= j + 1;
        }
      else
        {
          hits_sort (h + j + 1, n - (j + 1), depth);
          n = j + 1;
        }
    }

  for (guint a = 1; a < n; a++)
    {
      BcGridHit v = h[a];
      guint b = a;

      for (; b > 0 && hit_less (&v, &h[b - 1]); b--)
        h[b] = h[b - 1];
      h[b] = v;
    }
}

static inline guint64
distance_bits (double d)
{
  guint64 bits;

  /* Non-negative doubles order the same as their bit patterns. */
  memcpy (&bits, &d, sizeof bits);
  return bits;
}

/* LSD radix sort, a byte at a time, skipping bytes that all values share. b has room for n. */
#define RADIX_SORT(TYPE, a, b, n, KEY_OF)                                                       \
  G_STMT_START                                                                                  \
  {                                                                                             \
    for (guint shift_ = 0; shift_ < 64; shift_ += 8)                                            \
      {                                                                                         \
        guint32 count_[256] = { 0, };                                                           \
        guint32 sum_ = 0;                                                                       \
        TYPE *t_;                                                                               \
                                                                                                \
        for (guint i_ = 0; i_ < (n); i_++)                                                      \
          count_[(KEY_OF ((a)[i_]) >> shift_) & 0xff]++;                                        \
        if (count_[(KEY_OF ((a)[0]) >> shift_) & 0xff] == (n))                                  \
          continue;                                                                             \
        for (guint d_ = 0; d_ < 256; d_++)                                                      \
          {                                                                                     \
            guint32 c_ = count_[d_];                                                            \
            count_[d_] = sum_;                                                                  \
            sum_ += c_;                                                                         \
          }                                                                                     \
        for (guint i_ = 0; i_ < (n); i_++)                                                      \
          (b)[count_[(KEY_OF ((a)[i_]) >> shift_) & 0xff]++] = (a)[i_];                         \
        t_ = (a);                                                                               \
        (a) = (b);                                                                              \
        (b) = t_;                                                                               \
      }                                                                                         \
  }                                                                                             \
  G_STMT_END

#define HIT_KEY_OF(h) distance_bits ((h).distance_m)
#define U64_KEY_OF(k) (k)

/* Below this many hits the comparison sort is faster than eight radix passes. */
#define RADIX_MIN 256

/* Sorts by (distance, key) without allocating: the array's own tail is the scratch space. */
static void
hits_sort_array (GArray *hits)
{
  guint n = hits->len;
  BcGridHit *a, *b, *data;

  if (n < MAX (RADIX_MIN, 2))
    {
      guint depth = 2;

      for (guint m = n; m > 1; m >>= 1)
        depth += 2;
      hits_sort ((BcGridHit *) (gpointer) hits->data, n, depth);
      return;
    }

  g_array_set_size (hits, 2 * n);
  data = a = (BcGridHit *) (gpointer) hits->data;
  b = a + n;
  RADIX_SORT (BcGridHit, a, b, n, HIT_KEY_OF);
  if (a != data)
    memcpy (data, a, n * sizeof (BcGridHit));
  g_array_set_size (hits, n);

  /* The radix passes ordered by distance only; equal distances (points on the same spot) are
   * rare and short, and go in key order. */
  for (guint i = 1; i < n; i++)
    if (data[i].distance_m == data[i - 1].distance_m && data[i].key < data[i - 1].key)
      {
        BcGridHit v = data[i];
        guint j = i;

        for (; j > 0 && hit_less (&v, &data[j - 1]); j--)
          data[j] = data[j - 1];
        data[j] = v;
      }
}

static int
key_compare (gconstpointer a,
             gconstpointer b)
{
  guint64 ka = *(const guint64 *) a;
  guint64 kb = *(const guint64 *) b;

  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

static void
keys_sort_array (GArray *keys)
{
  guint n = keys->len;
  guint64 *a, *b, *data;

  if (n < MAX (RADIX_MIN, 2))
    {
      g_array_sort (keys, key_compare);
      return;
    }

  g_array_set_size (keys, 2 * n);
  data = a = (guint64 *) (gpointer) keys->data;
  b = a + n;
  RADIX_SORT (guint64, a, b, n, U64_KEY_OF);
  if (a != data)
    memcpy (data, a, n * sizeof (guint64));
  g_array_set_size (keys, n);
}

/* A query point with what its tests need precomputed. */
typedef struct
{
  double   lat;
  double   lon;      /* as the caller gave it: distances use it, like bc_geo_distance_m() would */
  double   lon_norm; /* in [-180, 180), for the box test */
  double   cos_lat;
  double   dlat_deg; /* half-size of the cover's box */
  double   dlon_deg;
  gboolean all_lon;
} Query;

static void
query_init (Query  *q,
            double  lat,
            double  lon)
{
  q->lat = lat;
  q->lon = lon;
  q->lon_norm = bc_geo_normalize_lon (lon);
  q->cos_lat = _bc_geo_cos_lat (lat);
  q->dlat_deg = 180.0;
  q->dlon_deg = 360.0;
  q->all_lon = TRUE;
}

static void
query_cover (BcGridIndex *self,
             Query       *q,
             double       radius_m,
             Cover       *cv)
{
  cover_for_circle (self, q->lat, q->lon_norm, radius_m, cv, &q->dlat_deg, &q->dlon_deg);
  q->all_lon = cv->all_lon;
}

/* The cheap part of the test against a circle: inside the cover's latitude/longitude box. */
static inline gboolean
query_box_test (const Query *q,
                const Item  *it)
{
  double dlon;

  if (fabs (it->lat - q->lat) > q->dlat_deg)
    return FALSE;
  if (q->all_lon)
    return TRUE;
  dlon = it->lon - q->lon_norm;
  if (dlon < -180.0)
    dlon += 360.0;
  else if (dlon > 180.0)
    dlon -= 360.0;
  return fabs (dlon) <= q->dlon_deg;
}

static inline double
query_distance (const Query *q,
                const Item  *it)
{
  /* The same computation as bc_geo_distance_m (q->lat, q->lon, it->lat, it->lon). */
  return _bc_geo_haversine_m (q->lat, q->cos_lat, it->lat, it->cos_lat, it->lon - q->lon);
}

/* Walks the occupied cells of a cover, skipping those that an earlier cover already had. */
typedef struct
{
  BcGridIndex *self;
  const Cover *cv;
  const Cover *prev;
  guint32      row;
  ColRanges    cr;
  ColRanges    pr;
  guint        range;
  guint32      col;
} CoverIter;

static void
cover_iter_start_row (CoverIter *iter)
{
  guint32 n_cols = n_cols_of (iter->self, iter->row);

  cover_cols (iter->cv, n_cols, &iter->cr);
  iter->pr.n = 0;
  if (iter->prev != NULL && iter->row >= iter->prev->row_lo && iter->row <= iter->prev->row_hi)
    cover_cols (iter->prev, n_cols, &iter->pr);
  iter->range = 0;
  iter->col = iter->cr.lo[0];
}

static void
cover_iter_init (CoverIter   *iter,
                 BcGridIndex *self,
                 const Cover *cv,
                 const Cover *prev)
{
  iter->self = self;
  iter->cv = cv;
  iter->prev = prev;
  iter->row = cv->row_lo;
  cover_iter_start_row (iter);
}

/* Returns the next occupied cell, or NULL at the end. */
static const Cell *
cover_iter_next (CoverIter *iter)
{
  for (;;)
    {
      guint32 col;
      const Cell *cell;

      if (iter->col > iter->cr.hi[iter->range])
        {
          if (++iter->range < iter->cr.n)
            {
              iter->col = iter->cr.lo[iter->range];
              continue;
            }
          if (iter->row == iter->cv->row_hi)
            return NULL;
          iter->row++;
          cover_iter_start_row (iter);
          continue;
        }

      col = iter->col++;
      if (iter->pr.n > 0 && col_ranges_contain (&iter->pr, col))
        continue;
      cell = cell_find (iter->self, cell_id (iter->row, col));
      if (cell != NULL)
        return cell;
    }
}

static inline void
radius_visit (BcGridIndex *self,
              const Query *q,
              double       radius_m,
              guint32      idx,
              GArray      *out_hits)
{
  const Item *it = &self->items[idx];
  BcGridHit hit;

  if (!query_box_test (q, it))
    return;
  hit.key = it->key;
  hit.distance_m = query_distance (q, it);
  if (hit.distance_m <= radius_m)
    g_array_append_val (out_hits, hit);
}

/**
 * bc_grid_index_query_radius:
 * @out_hits: (element-type BcGridHit): emptied, then filled
 *
 * Finds every point within @radius_m (inclusive) of (@lat, @lon), sorted by distance and then
 * by key. Works across the ±180° meridian and over the poles.
 *
 * Returns: the number of hits
 */
guint
bc_grid_index_query_radius (BcGridIndex *self,
                            double       lat,
                            double       lon,
                            double       radius_m,
                            GArray      *out_hits)
{
  Cover cv;
  Query q;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (bc_geo_is_valid (lat, lon), 0);
  g_return_val_if_fail (radius_m >= 0.0, 0);
  g_return_val_if_fail (out_hits != NULL, 0);
  g_return_val_if_fail (g_array_get_element_size (out_hits) == sizeof (BcGridHit), 0);

  g_array_set_size (out_hits, 0);
  if (self->n_items == 0)
    return 0;

  query_init (&q, lat, lon);
  query_cover (self, &q, radius_m, &cv);

  if (cover_estimate_cells (self, &cv) > self->n_items)
    {
      for (guint32 i = 0; i < self->n_items; i++)
        radius_visit (self, &q, radius_m, i, out_hits);
    }
  else
    {
      CoverIter iter;
      const Cell *cell;

      cover_iter_init (&iter, self, &cv, NULL);
      while ((cell = cover_iter_next (&iter)) != NULL)
        {
          const guint32 *members = cell_members_const (cell);

          for (guint32 j = 0; j < cell->count; j++)
            radius_visit (self, &q, radius_m, members[j], out_hits);
        }
    }

  hits_sort_array (out_hits);
  return out_hits->len;
}

/* Offers a hit to the best k so far, kept as a max-heap in the array. */
static inline void
heap_offer (GArray          *heap,
            guint            k,
            const BcGridHit *hit)
{
  BcGridHit *h;

  if (heap->len < k)
    {
      g_array_append_val (heap, *hit);
      h = (BcGridHit *) (gpointer) heap->data;
      for (guint i = heap->len - 1; i > 0;)
        {
          guint parent = (i - 1) / 2;

          if (!hit_less (&h[parent], &h[i]))
            break;
          hit_swap (&h[parent], &h[i]);
          i = parent;
        }
      return;
    }

  h = (BcGridHit *) (gpointer) heap->data;
  if (hit_less (hit, &h[0]))
    {
      h[0] = *hit;
      hits_sift_down (h, heap->len, 0);
    }
}

static inline void
nearest_visit (BcGridIndex *self,
               const Query *q,
               double       limit,
               guint        k,
               guint32      idx,
               GArray      *heap)
{
  const Item *it = &self->items[idx];
  BcGridHit hit;

  /* The latitude difference alone bounds the distance from below: skip the trigonometry for
   * points that cannot beat the k-th best (with slack for rounding, so ties still go by key). */
  if (heap->len == k)
    {
      double worst = g_array_index (heap, BcGridHit, 0).distance_m;

      if (fabs (it->lat - q->lat) * M_PER_DEG
          > worst * (1.0 + COVER_SLACK_REL) + COVER_SLACK_M)
        return;
    }

  hit.key = it->key;
  hit.distance_m = query_distance (q, it);
  if (hit.distance_m <= limit)
    heap_offer (heap, k, &hit);
}

/**
 * bc_grid_index_query_nearest:
 * @max_radius_m: ignore points farther than this; 0 or less for no limit
 * @out_hits: (element-type BcGridHit): emptied, then filled
 *
 * Finds the @k points closest to (@lat, @lon), sorted by distance and then by key; ties at the
 * k-th place go to the lower keys. Exact: it grows a circle ring by ring and stops only once
 * every point not yet seen is farther than the k-th best found.
 *
 * Returns: the number of hits, at most @k
 */
guint
bc_grid_index_query_nearest (BcGridIndex *self,
                             double       lat,
                             double       lon,
                             guint        k,
                             double       max_radius_m,
                             GArray      *out_hits)
{
  double limit = max_radius_m > 0.0 ? max_radius_m : INFINITY;
  double rho;
  Cover covers[2];
  Cover *cv = &covers[0];
  Cover *prev = NULL;
  Query q;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (bc_geo_is_valid (lat, lon), 0);
  g_return_val_if_fail (!isnan (max_radius_m), 0);
  g_return_val_if_fail (out_hits != NULL, 0);
  g_return_val_if_fail (g_array_get_element_size (out_hits) == sizeof (BcGridHit), 0);

  g_array_set_size (out_hits, 0);
  if (self->n_items == 0 || k == 0)
    return 0;

  query_init (&q, lat, lon);

  /* When every point is wanted there is nothing to prune. */
  if (k >= self->n_items && isinf (limit))
    goto scan_all;

  /* The first ring is about the cell the query falls in; later rings grow by half a cell, then
   * by a quarter of the radius so that sparse areas take few rings. */
  rho = MIN (self->cell_size_m * 0.5, limit);
  for (;;)
    {
      gboolean last = rho >= limit;
      CoverIter iter;
      const Cell *cell;

      query_cover (self, &q, rho, cv);
      /* Once a ring would probe more cells than there are items, scanning the items is cheaper
       * (and starting again is simpler than merging). */
      if (cover_estimate_cells (self, cv) > self->n_items)
        {
          g_array_set_size (out_hits, 0);
          goto scan_all;
        }

      cover_iter_init (&iter, self, cv, prev);
      while ((cell = cover_iter_next (&iter)) != NULL)
        {
          const guint32 *members = cell_members_const (cell);

          for (guint32 j = 0; j < cell->count; j++)
            nearest_visit (self, &q, limit, k, members[j], out_hits);
        }

      if (last)
        break;
      if (cv->row_lo == 0 && cv->row_hi == self->n_rows - 1 && cv->all_lon)
        break;
      /* Everything within rho has been seen; anything else is farther than the k-th. */
      if (out_hits->len == k && g_array_index (out_hits, BcGridHit, 0).distance_m <= rho)
        break;

      prev = cv;
      cv = cv == &covers[0] ? &covers[1] : &covers[0];
      rho = MIN (rho + MAX (self->cell_size_m * 0.5, rho * 0.25), limit);
    }

  hits_sort_heap ((BcGridHit *) (gpointer) out_hits->data, out_hits->len);
  return out_hits->len;

scan_all:
  for (guint32 i = 0; i < self->n_items; i++)
    nearest_visit (self, &q, limit, k, i, out_hits);
  hits_sort_heap ((BcGridHit *) (gpointer) out_hits->data, out_hits->len);
  return out_hits->len;
}

static inline void
bounds_visit (BcGridIndex       *self,
              const BcGeoBounds *bounds,
              guint32            idx,
              GArray            *out_keys)
{
  const Item *it = &self->items[idx];

  if (bc_geo_bounds_contains (bounds, it->lat, it->lon))
    g_array_append_val (out_keys, it->key);
}

/**
 * bc_grid_index_query_bounds:
 * @out_keys: (element-type guint64): emptied, then filled
 *
 * Finds the points inside @bounds (edges included), in ascending key order.
 *
 * Returns: the number of keys
 */
guint
bc_grid_index_query_bounds (BcGridIndex       *self,
                            const BcGeoBounds *bounds,
                            GArray            *out_keys)
{
  Cover cv;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (bounds != NULL, 0);
  g_return_val_if_fail (out_keys != NULL, 0);
  g_return_val_if_fail (g_array_get_element_size (out_keys) == sizeof (guint64), 0);

  g_array_set_size (out_keys, 0);
  if (self->n_items == 0 || bc_geo_bounds_is_empty (bounds))
    return 0;

  cv.row_lo = row_of (self, MAX (bounds->min_lat, -90.0));
  cv.row_hi = row_of (self, MIN (bounds->max_lat, 90.0));
  cv.all_lon = FALSE;
  cv.lon_lo = MAX (bounds->min_lon, -180.0);
  /* Just below 180 keeps cover_cols() from treating the box as crossing the seam;
   * col_of() puts 180 itself in the last column anyway. */
  cv.lon_hi = MIN (bounds->max_lon, nextafter (180.0, 0.0));
  if (cv.lon_lo > cv.lon_hi)
    return 0;

  if (cover_estimate_cells (self, &cv) > self->n_items)
    {
      for (guint32 i = 0; i < self->n_items; i++)
        bounds_visit (self, bounds, i, out_keys);
    }
  else
    {
      CoverIter iter;
      const Cell *cell;

      cover_iter_init (&iter, self, &cv, NULL);
      while ((cell = cover_iter_next (&iter)) != NULL)
        {
          const guint32 *members = cell_members_const (cell);

          for (guint32 j = 0; j < cell->count; j++)
            bounds_visit (self, bounds, members[j], out_keys);
        }
    }

  keys_sort_array (out_keys);
  return out_keys->len;
}
