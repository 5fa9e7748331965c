/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-mbtiles-source.h"

#include <sqlite3.h>
#include <string.h>

#define DEFAULT_TILE_SIZE 256

struct _BkMbtilesSource
{
  ShumateDataSource parent_instance;

  GFile *file;

  /* Set once by init, read-only afterwards. */
  char *name;
  char *attribution;
  char *format;
  guint min_zoom;
  guint max_zoom;
  guint tile_size;
  gboolean has_bounds;
  BcGeoBounds bounds;

  /* The connection belongs to the worker threads; the mutex serialises them. Tile reads take
   * well under a millisecond, so one connection is enough. */
  GMutex db_lock;
  sqlite3 *db;
  sqlite3_stmt *select_tile;
};

enum
{
  PROP_0,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void bk_mbtiles_source_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BkMbtilesSource, bk_mbtiles_source, SHUMATE_TYPE_DATA_SOURCE,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      bk_mbtiles_source_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE, NULL))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

typedef struct
{
  int x;
  int y;
  int z;
} TileRequest;

/* ---- Opening ------------------------------------------------------------------------- */

static gboolean
set_sqlite_error (GError     **error,
                  sqlite3     *db,
                  int          code,
                  const char  *what)
{
  /* SQLITE_NOTADB: the file exists but is not SQLite. */
  g_set_error (error, G_IO_ERROR,
               (code & 0xff) == SQLITE_NOTADB ? G_IO_ERROR_INVALID_DATA : G_IO_ERROR_FAILED,
               "%s: %s", what, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (code));
  return FALSE;
}

static gboolean
parse_zoom (const char *text,
            guint      *out)
{
  guint64 v;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, 30, &v, NULL))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static void
parse_bounds (BkMbtilesSource *self,
              const char      *text)
{
  g_autoptr(GString) compact = NULL;

  if (text == NULL)
    return;

  /* Some packs write "left, bottom, right, top" with spaces. */
  compact = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (compact, *p);

  self->has_bounds = bc_geo_bounds_parse (compact->str, &self->bounds, NULL);
}

/* Width of a PNG (IHDR) or baseline/progressive JPEG (SOFn) tile; 0 if unknown. */
static guint
sniff_tile_width (const guint8 *data,
                  gsize         len)
{
  static const guint8 png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  if (len >= 24 && memcmp (data, png_magic, 8) == 0 && memcmp (data + 12, "IHDR", 4) == 0)
    return (guint) data[16] << 24 | (guint) data[17] << 16 | (guint) data[18] << 8 | data[19];

  if (len >= 4 && data[0] == 0xff && data[1] == 0xd8)
    {
      gsize i = 2;

      while (i + 9 < len)
        {
          guint8 marker;
          gsize seg_len;

          if (data[i] != 0xff)
            return 0;
          marker = data[i + 1];
          seg_len = (gsize) data[i + 2] << 8 | data[i + 3];
          if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8
              && marker != 0xcc)
            return (guint) data[i + 7] << 8 | data[i + 8];
          i += 2 + seg_len;
        }
    }

  return 0;
}

static gboolean
read_metadata (BkMbtilesSource  *self,
               GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gboolean have_min, have_max;
  int rc;

  /* The metadata table is required by the spec, but tolerate packs that lack it. */
  rc = sqlite3_prepare_v2 (self->db, "SELECT name, value FROM metadata", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          const char *key = (const char *) sqlite3_column_text (stmt, 0);
          const char *value = (const char *) sqlite3_column_text (stmt, 1);

          if (key != NULL && value != NULL && g_utf8_validate (value, -1, NULL))
            g_hash_table_replace (meta, g_strdup (key), g_strdup (value));
        }
      if (rc != SQLITE_DONE)
        return set_sqlite_error (error, self->db, rc, "Cannot read the MBTiles metadata");
    }
  else if ((rc & 0xff) == SQLITE_NOTADB)
    return set_sqlite_error (error, self->db, rc, "Not an MBTiles file");

  self->name = g_strdup (g_hash_table_lookup (meta, "name"));
  self->attribution = g_strdup (g_hash_table_lookup (meta, "attribution"));
  self->format = g_strdup (g_hash_table_lookup (meta, "format"));
  parse_bounds (self, g_hash_table_lookup (meta, "bounds"));

  have_min = parse_zoom (g_hash_table_lookup (meta, "minzoom"), &self->min_zoom);
  have_max = parse_zoom (g_hash_table_lookup (meta, "maxzoom"), &self->max_zoom);

  if (!have_min || !have_max)
    {
      g_autoptr(sqlite3_stmt) range = NULL;

      rc = sqlite3_prepare_v2 (self->db,
                               "SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles", -1,
                               &range, NULL);
      if (rc != SQLITE_OK)
        return set_sqlite_error (error, self->db, rc, "Not an MBTiles file");
      rc = sqlite3_step (range);
      if (rc != SQLITE_ROW || sqlite3_column_type (range, 0) == SQLITE_NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "The MBTiles file holds no tiles");
          return FALSE;
        }
      if (!have_min)
        self->min_zoom = (guint) CLAMP (sqlite3_column_int (range, 0), 0, 30);
      if (!have_max)
        self->max_zoom = (guint) CLAMP (sqlite3_column_int (range, 1), 0, 30);
    }

  if (self->min_zoom > self->max_zoom)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The MBTiles minzoom %u is above its maxzoom %u",
                   self->min_zoom, self->max_zoom);
      return FALSE;
    }

  /* MBTiles does not record the tile size; read it from one tile. */
  {
    g_autoptr(sqlite3_stmt) sample = NULL;

    self->tile_size = DEFAULT_TILE_SIZE;
    rc = sqlite3_prepare_v2 (self->db, "SELECT tile_data FROM tiles LIMIT 1", -1, &sample, NULL);
    if (rc == SQLITE_OK && sqlite3_step (sample) == SQLITE_ROW)
      {
        guint width = sniff_tile_width (sqlite3_column_blob (sample, 0),
                                        (gsize) sqlite3_column_bytes (sample, 0));

        if (width >= 64 && width <= 1024)
          self->tile_size = width;
      }
  }

  return TRUE;
}

static gboolean
bk_mbtiles_source_initable_init (GInitable     *initable,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  BkMbtilesSource *self = BK_MBTILES_SOURCE (initable);
  g_autofree char *path = NULL;
  int rc;

  if (self->file == NULL || (path = g_file_get_path (self->file)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "MBTiles packs must be local files");
      return FALSE;
    }

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No MBTiles file at %s", path);
      return FALSE;
    }

  g_mutex_lock (&self->db_lock);

  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, rc, "Cannot open the MBTiles file");
      g_clear_pointer (&self->db, sqlite3_close);
      g_mutex_unlock (&self->db_lock);
      return FALSE;
    }

  if (!read_metadata (self, error))
    {
      g_clear_pointer (&self->db, sqlite3_close);
      g_mutex_unlock (&self->db_lock);
      return FALSE;
    }

  rc = sqlite3_prepare_v3 (self->db,
                           "SELECT tile_data FROM tiles"
                           " WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                           -1, SQLITE_PREPARE_PERSISTENT, &self->select_tile, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, rc, "Not an MBTiles file");
      g_clear_pointer (&self->db, sqlite3_close);
      g_mutex_unlock (&self->db_lock);
      return FALSE;
    }

  g_mutex_unlock (&self->db_lock);
  return TRUE;
}

static void
bk_mbtiles_source_initable_iface_init (GInitableIface *iface)
{
  iface->init = bk_mbtiles_source_initable_init;
}

/* ---- Tiles --------------------------------------------------------------------------- */

static void
read_tile_in_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  BkMbtilesSource *self = source_object;
  TileRequest *req = task_data;
  GBytes *bytes = NULL;
  int tms_row;
  int rc;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (req->z < (int) self->min_zoom || req->z > (int) self->max_zoom
      || req->x < 0 || req->y < 0 || req->x >= (1 << req->z) || req->y >= (1 << req->z))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               "Tile %d/%d/%d is outside the MBTiles pack",
                               req->z, req->x, req->y);
      return;
    }

  /* MBTiles rows count from the south (TMS); the map's y counts from the north. */
  tms_row = (1 << req->z) - 1 - req->y;

  g_mutex_lock (&self->db_lock);

  if (self->select_tile == NULL)
    {
      g_mutex_unlock (&self->db_lock);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The MBTiles pack is closed");
      return;
    }

  sqlite3_bind_int (self->select_tile, 1, req->z);
  sqlite3_bind_int (self->select_tile, 2, req->x);
  sqlite3_bind_int (self->select_tile, 3, tms_row);

  rc = sqlite3_step (self->select_tile);
  if (rc == SQLITE_ROW)
    bytes = g_bytes_new (sqlite3_column_blob (self->select_tile, 0),
                         (gsize) sqlite3_column_bytes (self->select_tile, 0));
  else if (rc != SQLITE_DONE)
    {
      g_autoptr(GError) error = NULL;

      set_sqlite_error (&error, self->db, rc, "Cannot read a tile");
      sqlite3_reset (self->select_tile);
      g_mutex_unlock (&self->db_lock);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  sqlite3_reset (self->select_tile);
  sqlite3_clear_bindings (self->select_tile);
  g_mutex_unlock (&self->db_lock);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      g_clear_pointer (&bytes, g_bytes_unref);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               "Tile %d/%d/%d is not in the MBTiles pack", req->z, req->x, req->y);
      return;
    }

  g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

static void
tile_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  BkMbtilesSource *self = BK_MBTILES_SOURCE (object);
  g_autoptr(GTask) task = user_data;
  TileRequest *req = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  bytes = g_task_propagate_pointer (G_TASK (result), &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* libshumate 1.0's raster renderer paints a tile only from this signal, so it must come
   * before the task completes (which marks the tile done). */
  g_signal_emit_by_name (self, "received-data", req->x, req->y, req->z, bytes);
  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

static void
bk_mbtiles_source_get_tile_data_async (ShumateDataSource   *source,
                                       int                  x,
                                       int                  y,
                                       int                  zoom_level,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  BkMbtilesSource *self = BK_MBTILES_SOURCE (source);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) worker = NULL;
  TileRequest *req;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bk_mbtiles_source_get_tile_data_async);

  req = g_new (TileRequest, 1);
  req->x = x;
  req->y = y;
  req->z = zoom_level;
  g_task_set_task_data (task, req, g_free);

  /* The worker's result comes back to this thread, where "received-data" is emitted. */
  worker = g_task_new (self, cancellable, tile_read_cb, g_steal_pointer (&task));
  g_task_set_source_tag (worker, read_tile_in_thread);
  g_task_set_task_data (worker, g_memdup2 (req, sizeof *req), g_free);
  g_task_run_in_thread (worker, read_tile_in_thread);
}

static GBytes *
bk_mbtiles_source_get_tile_data_finish (ShumateDataSource  *source,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == bk_mbtiles_source_get_tile_data_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- GObject ------------------------------------------------------------------------- */

static void
bk_mbtiles_source_finalize (GObject *object)
{
  BkMbtilesSource *self = BK_MBTILES_SOURCE (object);

  /* Workers hold a reference to the source, so none is running here. */
  g_clear_pointer (&self->select_tile, sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
  g_mutex_clear (&self->db_lock);
  g_clear_object (&self->file);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->attribution, g_free);
  g_clear_pointer (&self->format, g_free);

  G_OBJECT_CLASS (bk_mbtiles_source_parent_class)->finalize (object);
}

static void
bk_mbtiles_source_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  BkMbtilesSource *self = BK_MBTILES_SOURCE (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_mbtiles_source_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  BkMbtilesSource *self = BK_MBTILES_SOURCE (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_set_object (&self->file, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_mbtiles_source_class_init (BkMbtilesSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  object_class->finalize = bk_mbtiles_source_finalize;
  object_class->get_property = bk_mbtiles_source_get_property;
  object_class->set_property = bk_mbtiles_source_set_property;

  source_class->get_tile_data_async = bk_mbtiles_source_get_tile_data_async;
  source_class->get_tile_data_finish = bk_mbtiles_source_get_tile_data_finish;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                         | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bk_mbtiles_source_init (BkMbtilesSource *self)
{
  g_mutex_init (&self->db_lock);
  self->tile_size = DEFAULT_TILE_SIZE;
}

/* ---- Public API ---------------------------------------------------------------------- */

void
bk_mbtiles_source_new_async (GFile               *file,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* GAsyncInitable's default implementation runs GInitable::init in a thread. */
  g_async_initable_new_async (BK_TYPE_MBTILES_SOURCE, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data, "file", file, NULL);
}

BkMbtilesSource *
bk_mbtiles_source_new_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_autoptr(GObject) source = NULL;
  GObject *object;

  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  source = g_async_result_get_source_object (result);
  object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);
  return object != NULL ? BK_MBTILES_SOURCE (object) : NULL;
}

BkMbtilesSource *
bk_mbtiles_source_new_sync (GFile         *file,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  return g_initable_new (BK_TYPE_MBTILES_SOURCE, cancellable, error, "file", file, NULL);
}

GFile *
bk_mbtiles_source_get_file (BkMbtilesSource *self)
{
  g_return_val_if_fail (BK_IS_MBTILES_SOURCE (self), NULL);
  return self->file;
}

const char *
bk_mbtiles_source_get_name (BkMbtilesSource *self)
{
  g_return_val_if_fail (BK_IS_MBTILES_SOURCE (self), NULL);
  return self->name;
}

const char *
bk_mbtiles_source_get_attribution (BkMbtilesSource *self)
{
  g_return_val_if_fail (BK_IS_MBTILES_SOURCE (self), NULL);
  return self->attribution;
}

const char *
bk_mbtiles_source_get_format (BkMbtilesSource *self)
{
  g_return_val_if_fail (BK_IS_MBTILES_SOURCE (self), NULL);
  return self->format;
}

guint
bk_mbtiles_source_get_min_zoom (BkMbtilesSource *self)
{
  g_return_val_if_fail (BK_IS_MBTILES_SOURCE (self), 0);
  return self->min_zoom;
}

guint
bk_mbtiles_source_get_max_zoom (BkMbtilesSource *self)
{
  g_return_val_if_fail (BK_IS_MBTILES_SOURCE (self), 0);
  return self->max_zoom;
}

guint
bk_mbtiles_source_get_tile_size (BkMbtilesSource *self)
{
  g_return_val_if_fail (BK_IS_MBTILES_SOURCE (self), DEFAULT_TILE_SIZE);
  return self->tile_size;
}

gboolean
bk_mbtiles_source_get_bounds (BkMbtilesSource *self,
                              BcGeoBounds     *bounds)
{
  g_return_val_if_fail (BK_IS_MBTILES_SOURCE (self), FALSE);
  g_return_val_if_fail (bounds != NULL, FALSE);

  if (!self->has_bounds)
    return FALSE;
  *bounds = self->bounds;
  return TRUE;
}

/* The licence label is plain text; attribution is often HTML ("&copy; <a …>…</a>"). */
static char *
attribution_to_text (const char *attribution)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean in_tag = FALSE;
  g_autofree char *unescaped = NULL;

  for (const char *p = attribution; *p != '\0'; p++)
    {
      if (*p == '<')
        in_tag = TRUE;
      else if (*p == '>')
        in_tag = FALSE;
      else if (!in_tag)
        g_string_append_c (text, *p);
    }

  g_string_replace (text, "&copy;", "©", 0);
  g_string_replace (text, "&lt;", "<", 0);
  g_string_replace (text, "&gt;", ">", 0);
  g_string_replace (text, "&quot;", "\"", 0);
  g_string_replace (text, "&nbsp;", " ", 0);
  g_string_replace (text, "&amp;", "&", 0);

  unescaped = g_strstrip (g_string_free (g_steal_pointer (&text), FALSE));
  return g_steal_pointer (&unescaped);
}

ShumateRasterRenderer *
bk_mbtiles_source_create_renderer (BkMbtilesSource *self,
                                   const char      *id)
{
  g_autofree char *license = NULL;
  g_autofree char *basename = NULL;
  const char *name;

  g_return_val_if_fail (BK_IS_MBTILES_SOURCE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (self->attribution != NULL)
    license = attribution_to_text (self->attribution);

  name = self->name;
  if (name == NULL)
    name = basename = g_file_get_basename (self->file);

  return shumate_raster_renderer_new_full (id, name, license, NULL,
                                           self->min_zoom, self->max_zoom, self->tile_size,
                                           SHUMATE_MAP_PROJECTION_MERCATOR,
                                           SHUMATE_DATA_SOURCE (self));
}
