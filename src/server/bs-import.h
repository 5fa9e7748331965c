/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Parsers for bulk camera and unit data (CSV and GeoJSON) as delivered by video platforms and
 * station rosters. They only parse and validate; storing is bs_repo_import_cameras/units.
 *
 * A file-level problem (unreadable file, missing required column, not a FeatureCollection) is a
 * GError. A problem in one row only rejects that row: it is listed in the result with its
 * position (CSV: the physical line the record starts on, the header being line 1; GeoJSON: the
 * 0-based index in "features") and the model validator's message, and every other row is kept.
 */

#include <gio/gio.h>

G_BEGIN_DECLS

#define BS_IMPORT_ERROR (bs_import_error_quark ())

typedef enum
{
  BS_IMPORT_ERROR_MALFORMED,       /* not CSV / JSON at all, or not a FeatureCollection */
  BS_IMPORT_ERROR_MISSING_COLUMN,  /* a required CSV column is absent from the header */
  BS_IMPORT_ERROR_UNKNOWN_FORMAT,  /* AUTO could not tell the format from name or content */
} BsImportError;

GQuark bs_import_error_quark (void);

typedef enum
{
  BS_IMPORT_FORMAT_AUTO,     /* by file extension (.csv, .geojson/.json), else by content */
  BS_IMPORT_FORMAT_CSV,
  BS_IMPORT_FORMAT_GEOJSON,
} BsImportFormat;

typedef enum
{
  BS_IMPORT_FLAGS_NONE  = 0,
  BS_IMPORT_FLAGS_GCJ02 = 1 << 0,  /* coordinates are GCJ-02; convert them to WGS-84 */
} BsImportFlags;

/* Called every few hundred rows and once at the end. */
typedef void (*BsImportProgressFunc) (guint    rows_done,
                                      guint64  bytes_done,
                                      guint64  bytes_total,
                                      gpointer user_data);

typedef struct
{
  guint  line;      /* CSV: 1-based line where the record starts; 0 for GeoJSON */
  int    feature;   /* GeoJSON: 0-based feature index; -1 for CSV */
  char  *reason;
} BsImportReject;

typedef struct
{
  GPtrArray *items;    /* BcCamera* (reference-counted) or BcUnit* (GObject), with their free functions */
  GPtrArray *rejects;  /* BsImportReject* */
  guint      n_rows;   /* data rows / features seen, accepted or not */
} BsImportResult;

BsImportResult *bs_import_cameras_from_bytes (GBytes                *data,
                                              BsImportFormat         format,
                                              BsImportFlags          flags,
                                              BsImportProgressFunc   progress,
                                              gpointer               user_data,
                                              GError               **error);
BsImportResult *bs_import_units_from_bytes   (GBytes                *data,
                                              BsImportFormat         format,
                                              BsImportFlags          flags,
                                              BsImportProgressFunc   progress,
                                              gpointer               user_data,
                                              GError               **error);
BsImportResult *bs_import_cameras_from_file  (const char            *path,
                                              BsImportFormat         format,
                                              BsImportFlags          flags,
                                              BsImportProgressFunc   progress,
                                              gpointer               user_data,
                                              GError               **error);
BsImportResult *bs_import_units_from_file    (const char            *path,
                                              BsImportFormat         format,
                                              BsImportFlags          flags,
                                              BsImportProgressFunc   progress,
                                              gpointer               user_data,
                                              GError               **error);

/* "line 7: lat: 95.2 is out of range (-90 to 90)" or "feature 3: …". */
char           *bs_import_reject_to_string   (const BsImportReject  *reject);
void            bs_import_reject_free        (BsImportReject        *reject);
void            bs_import_result_free        (BsImportResult        *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsImportResult, bs_import_result_free)

G_END_DECLS
