/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "bc-enums.h"

G_BEGIN_DECLS

#define BC_CAMERA_CODE_LENGTH    20
#define BC_CAMERA_NAME_MAX       128
#define BC_CAMERA_STREAM_URI_MAX 512
#define BC_CAMERA_STATION_MAX    64

#define BC_TYPE_CAMERA (bc_camera_get_type ())

/*
 * A video point (视频点位). A city has tens of thousands and the map holds them all, so a
 * camera is a plain reference-counted struct rather than a GObject: no signals, no per-field
 * allocation for the id. Fields are public; nothing notifies about changes to them.
 */
typedef struct _BcCamera BcCamera;

struct _BcCamera
{
  char          id[BC_CAMERA_CODE_LENGTH + 1]; /* GB/T 28181 device code; "" when not set */
  char         *name;
  double        lat;
  double        lon;
  BcCameraKind  kind;
  gboolean      online;
  char         *stream_uri;                    /* NULL, "" or a URI with a scheme */
  char         *station;                       /* NULL when not known */
};

GType      bc_camera_get_type          (void) G_GNUC_CONST;
BcCamera  *bc_camera_new               (void);
BcCamera  *bc_camera_ref               (BcCamera    *self);
void       bc_camera_unref             (BcCamera    *self);

gboolean   bc_camera_code_is_valid     (const char  *code,
                                        GError     **error);

BcCamera  *bc_camera_from_json         (JsonNode    *node,
                                        GError     **error);
BcCamera  *bc_camera_from_json_string  (const char  *data,
                                        gssize       length,
                                        GError     **error);
JsonNode  *bc_camera_to_json           (BcCamera    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcCamera, bc_camera_unref)

G_END_DECLS
